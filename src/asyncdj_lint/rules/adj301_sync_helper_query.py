"""ADJ301: a sync project function that runs a query (or fails on the loop) called in async code."""

from __future__ import annotations

from asyncdj_lint.analysis.helpers import Fact
from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._helpers import ChainReports
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class SyncHelperQuery(ChainReports, Rule):
    code = "ADJ301"
    name = "sync-helper-query"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "A sync function that queries the database, directly or through the functions it calls, is called in async code."
    why = (
        "Calling a plain `def` from an `async def` runs it on the event loop. When that "
        "function, or any project function it calls, in this module or another, runs a "
        "query, evaluates a QuerySet or reads a lazy relation, Django raises "
        "`SynchronousOnlyOperation` deep inside the helper; so does reading `request.user` or "
        "`request.session` there. What the caller passes follows the call: the request "
        "(or its `user` or `session`) is still the request in the helper, and an instance keeps "
        "what its query loaded, so `order.customer` in the helper is a lazy relation read when "
        "the caller's `order` came from `aget()` without `select_related`. The calls followed are "
        "those of functions and methods (through `self`, `super()`, an instance or a module-level "
        "object), `classmethod`s and `staticmethod`s, also of model classes (`Model.helper()`, "
        "`cls.objects...` inside one), and class construction: `Form(request.POST)` runs the "
        "project class's `__init__`, and what `__init__` stores on `self` from an instance it is given "
        "is known to the object's methods and properties. A `@property` or `cached_property` of a "
        "project class runs when it is read: the read is followed like a call. Code that runs only "
        "when no event loop is running (the `except RuntimeError:` of `asyncio.get_running_loop()`) "
        "is not followed. The finding names what fails, then the chain of calls down to it. Call the "
        "helper in a thread with `await sync_to_async(helper)(...)`, or decorate it with "
        "`@sync_to_async`."
    )
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The call runs through `await sync_to_async(helper)(...)`, importing `sync_to_async`: the fix is unsafe, as it moves the work into a thread (where it is "
        "meant to run, but code that relies on running on the loop's thread changes). No fix is "
        "offered where `await` cannot be written (in a comprehension or a lambda)."
    )
    invalid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Customer


def customer_name(pk):
    return Customer.objects.get(pk=pk).name


def greeting(pk):
    return f"Hello {customer_name(pk)}"


async def greet(request, pk):
    return JsonResponse({"greeting": greeting(pk)})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "14:38-14:50",
                    "`Customer.objects.get()` runs a database query on the event loop and raises SynchronousOnlyOperation, reached from `greeting()` on the event loop: greeting() -> customer_name() -> Customer.objects.get() (snippet.py:6); use `await sync_to_async(greeting)(...)`",
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Customer
from asgiref.sync import sync_to_async


def customer_name(pk):
    return Customer.objects.get(pk=pk).name


def greeting(pk):
    return f"Hello {customer_name(pk)}"


async def greet(request, pk):
    return JsonResponse({"greeting": await sync_to_async(greeting)(pk)})
""",
        ),
        Example(
            """\
from django.http import HttpResponse


def remember_visit(request):
    request.session["seen"] = True


async def home(request):
    remember_visit(request)
    return HttpResponse("welcome")
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "9:5-9:28",
                    '`request.session[...]` loads the session from its store on the event loop, reached from `remember_visit()` on the event loop: remember_visit() -> request.session["seen"] (snippet.py:5); use `await sync_to_async(remember_visit)(...)`',
                ),
            ),
            fixed="""\
from django.http import HttpResponse
from asgiref.sync import sync_to_async


def remember_visit(request):
    request.session["seen"] = True


async def home(request):
    await sync_to_async(remember_visit)(request)
    return HttpResponse("welcome")
""",
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order


def invoice_line(order):
    return f"{order.pk}: {order.customer.name}"


async def invoice(request, pk):
    order = await Order.objects.aget(pk=pk)
    return JsonResponse({"line": invoice_line(order)})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "11:34-11:53",
                    "`order.customer` was not loaded by the query: reading it fetches the related Customer with a query on the event loop and raises SynchronousOnlyOperation, reached from `invoice_line()` on the event loop: invoice_line() -> order.customer (snippet.py:6); use `await sync_to_async(invoice_line)(...)`",
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Order
from asgiref.sync import sync_to_async


def invoice_line(order):
    return f"{order.pk}: {order.customer.name}"


async def invoice(request, pk):
    order = await Order.objects.aget(pk=pk)
    return JsonResponse({"line": await sync_to_async(invoice_line)(order)})
""",
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order


class OrderSummary:
    def __init__(self, pk):
        self.pk = pk

    @property
    def line_count(self):
        return Order.objects.filter(customer_id=self.pk).count()


async def summary(request, pk):
    return JsonResponse({"lines": OrderSummary(pk).line_count})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "15:35-15:62",
                    "`Order.objects.filter(customer_id=self.pk).count()` runs a database query on the event loop and raises SynchronousOnlyOperation, reached from `OrderSummary(pk).line_count` on the event loop: OrderSummary(pk).line_count -> Order.objects.filter(customer_id=self.pk).count() (snippet.py:11); use `await sync_to_async(lambda: OrderSummary(pk).line_count)()`",
                ),
            ),
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Customer


async def newest_customer(request):
    customer = Customer.newest()
    return JsonResponse({"name": customer.name if customer else ""})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "6:16-6:33",
                    '`cls.objects.order_by("-pk").first()` runs a database query on the event loop and raises SynchronousOnlyOperation, reached from `Customer.newest()` on the event loop: Customer.newest() -> cls.objects.order_by("-pk").first() (shop/models.py:28); use `await sync_to_async(Customer.newest)(...)`',
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Customer
from asgiref.sync import sync_to_async


async def newest_customer(request):
    customer = await sync_to_async(Customer.newest)()
    return JsonResponse({"name": customer.name if customer else ""})
""",
        ),
        Example(
            """\
from django import forms
from django.http import JsonResponse
from shop.models import Customer


class SignupForm(forms.Form):
    email = forms.EmailField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = Customer.objects.values_list("email", flat=True).first()


async def signup(request):
    form = SignupForm(request.GET)
    return JsonResponse({"valid": form.is_bound})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "15:12-15:35",
                    '`Customer.objects.values_list("email", flat=True).first()` runs a database query on the event loop and raises SynchronousOnlyOperation, reached from `SignupForm()` on the event loop: SignupForm() -> Customer.objects.values_list("email", flat=Tr...() (snippet.py:11); use `await sync_to_async(SignupForm)(...)`',
                ),
            ),
            fixed="""\
from django import forms
from django.http import JsonResponse
from shop.models import Customer
from asgiref.sync import sync_to_async


class SignupForm(forms.Form):
    email = forms.EmailField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = Customer.objects.values_list("email", flat=True).first()


async def signup(request):
    form = await sync_to_async(SignupForm)(request.GET)
    return JsonResponse({"valid": form.is_bound})
""",
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order


class OrderCard:
    def __init__(self, order):
        self.order = order

    @property
    def customer(self):
        return self.order.customer.name


async def order_card(request, pk):
    order = await Order.objects.aget(pk=pk)
    return JsonResponse({"customer": OrderCard(order).customer})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "16:38-16:63",
                    "`self.order.customer` was not loaded by the query: reading it fetches the related Customer with a query on the event loop and raises SynchronousOnlyOperation, reached from `OrderCard(order).customer` on the event loop: OrderCard(order).customer -> self.order.customer (snippet.py:11); use `await sync_to_async(lambda: OrderCard(order).customer)()`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django import forms
from django.http import JsonResponse
from shop.models import Customer, Order


class SignupForm(forms.Form):
    email = forms.EmailField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = Customer.objects.values_list("email", flat=True).first()


class OrderCard:
    def __init__(self, order):
        self.order = order

    @property
    def customer(self):
        return self.order.customer.name


async def signup(request, pk):
    form = await sync_to_async(SignupForm)(request.GET)
    newest = await sync_to_async(Customer.newest)()
    order = await Order.objects.select_related("customer").aget(pk=pk)
    return JsonResponse({"valid": form.is_bound, "newest": newest.pk, "customer": OrderCard(order).customer})
"""
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order
from asgiref.sync import sync_to_async


class OrderSummary:
    def __init__(self, pk):
        self.pk = pk

    @property
    def line_count(self):
        return Order.objects.filter(customer_id=self.pk).count()


async def summary(request, pk):
    report = OrderSummary(pk)
    return JsonResponse({"lines": await sync_to_async(lambda: report.line_count)()})
"""
        ),
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from shop.models import Customer


def customer_name(pk):
    return Customer.objects.get(pk=pk).name


def greeting(pk):
    return f"Hello {customer_name(pk)}"


@sync_to_async
def customer_email(pk):
    return Customer.objects.get(pk=pk).email


def shout(text):
    return text.upper()


async def greet(request, pk):
    text = await sync_to_async(greeting)(pk)
    email = await customer_email(pk)
    return JsonResponse({"greeting": shout(text), "email": email})
"""
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order


def invoice_line(order):
    return f"{order.pk}: {order.customer.name}"


async def invoice(request, pk):
    order = await Order.objects.select_related("customer").aget(pk=pk)
    return JsonResponse({"line": invoice_line(order)})
"""
        ),
        Example(
            """\
from django.http import HttpResponse


def remember_visit(request):
    request.session["seen"] = True


async def home(request):
    user = await request.auser()
    remember_visit(request)
    return HttpResponse(f"welcome {user.pk}")
"""
        ),
    )

    def what_fails(self, fact: Fact) -> str:
        return (
            fact.detail or f"`{fact.text}` runs a query on the event loop and raises SynchronousOnlyOperation"
        )
