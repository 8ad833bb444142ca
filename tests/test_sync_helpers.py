"""ADJ301/ADJ302: sync project functions called from async code, followed across modules."""

from __future__ import annotations

from tests.helpers import lint_snippet

PRICING = """\
from shop.models import Customer, Order


def customer_discount(customer_id):
    customer = Customer.objects.get(pk=customer_id)
    return 10 if customer.email else 0


def discounted_total(order_id):
    return 100 - customer_discount(order_id)


def pure_total(prices):
    return sum(prices)


def countdown(n):
    return countdown(n - 1) if n else pricing_loop(n)


def pricing_loop(n):
    return countdown(n)


class Basket:
    def total(self, order_id):
        return discounted_total(order_id)

    @classmethod
    def build(cls):
        return cls()


class CachedBasket(Basket):
    def total(self, order_id):
        return super().total(order_id) + 1
"""
SHIPPING = """\
import time


def wait_for_courier():
    time.sleep(1)


def ship(order_id):
    wait_for_courier()
"""
FILES = {"billing/__init__.py": "", "billing/pricing.py": PRICING, "billing/shipping.py": SHIPPING}


def found(code: str) -> list[tuple[int, str, str]]:
    return [(d.line, d.code, d.message) for d in lint_snippet(code, extra_files=FILES)]


def lines(code: str) -> list[tuple[int, str]]:
    return [(line, code_) for line, code_, _ in found(code)]


def test_helper_in_another_module_is_reported_with_its_chain():
    code = "from billing import pricing\n\nasync def v(pk):\n    return pricing.discounted_total(pk)\n"
    [(line, rule, message)] = found(code)
    assert (line, rule) == (4, "ADJ301")
    assert message.startswith(
        "`Customer.objects.get()` runs a database query on the event loop and raises "
        "SynchronousOnlyOperation, reached from `pricing.discounted_total()` on the event loop: "
        "pricing.discounted_total() -> customer_discount() -> Customer.objects.get() ("
    )
    assert message.endswith("billing/pricing.py:5); use `await sync_to_async(pricing.discounted_total)(...)`")


def test_helper_imported_under_another_name():
    code = "from billing.pricing import discounted_total as total\n\nasync def v(pk):\n    return total(pk)\n"
    assert lines(code) == [(4, "ADJ301")]


def test_method_reached_through_self_super_and_an_instance():
    code = (
        "from billing.pricing import Basket, CachedBasket\n\n"
        "async def v(pk):\n"
        "    return CachedBasket().total(pk), Basket.build().total(pk)\n"
    )
    assert lines(code) == [(4, "ADJ301"), (4, "ADJ301")]
    assert (
        "CachedBasket().total() -> super().total() -> discounted_total() -> customer_discount()"
        in found(code)[0][2]
    )


def test_blocking_helper_is_a_warning_with_its_chain():
    code = "from billing.shipping import ship\n\nasync def v(pk):\n    ship(pk)\n"
    [(line, rule, message)] = found(code)
    assert (line, rule) == (4, "ADJ302")
    assert "ship() -> wait_for_courier() -> time.sleep() (" in message


def test_wrapped_decorated_and_executor_handed_helpers_are_silent():
    code = (
        "import asyncio\n"
        "from asgiref.sync import sync_to_async\n"
        "from channels.db import database_sync_to_async\n"
        "from billing.pricing import discounted_total\n"
        "from billing.shipping import ship\n\n"
        "async def v(pk):\n"
        "    await sync_to_async(discounted_total)(pk)\n"
        "    await database_sync_to_async(discounted_total)(pk)\n"
        "    await asyncio.get_running_loop().run_in_executor(None, ship, pk)\n"
        "    await asyncio.to_thread(ship, pk)\n"
        "    await sync_to_async(lambda: discounted_total(pk))()\n"
    )
    assert lines(code) == []


def test_pure_helpers_recursion_and_sync_callers_are_silent():
    code = (
        "from billing.pricing import countdown, discounted_total, pure_total\n\n"
        "def sync_view(pk):\n"
        "    return discounted_total(pk)\n\n"
        "async def v(pk):\n"
        "    return pure_total([1, 2]), countdown(3)\n"
    )
    assert lines(code) == []


def test_helper_decorated_with_sync_to_async_is_silent():
    code = (
        "from asgiref.sync import sync_to_async\n"
        "from shop.models import Customer\n\n"
        "@sync_to_async\n"
        "def load(pk):\n"
        "    return Customer.objects.get(pk=pk)\n\n"
        "async def v(pk):\n"
        "    return await load(pk)\n"
    )
    assert lines(code) == []


def test_model_method_that_reads_a_relation_depends_on_what_the_query_loaded():
    code = (
        "from django.db import models\n"
        "from shop.models import Customer\n\n"
        "class Invoice(models.Model):\n"
        "    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)\n\n"
        "    def label(self):\n"
        "        return self.customer.name\n\n"
        "async def v(pk):\n"
        "    plain = await Invoice.objects.aget(pk=pk)\n"
        "    loaded = await Invoice.objects.select_related('customer').aget(pk=pk)\n"
        "    return plain.label(), loaded.label()\n"
    )
    [(line, rule, message)] = found(code)
    assert (line, rule) == (13, "ADJ301")
    assert "plain.label() -> self.customer (" in message


def test_unknown_decorator_keeps_the_helper_unknown():
    code = (
        "from somewhere import magic\n"
        "from shop.models import Customer\n\n"
        "@magic\n"
        "def load(pk):\n"
        "    return Customer.objects.get(pk=pk)\n\n"
        "async def v(pk):\n"
        "    return load(pk)\n"
    )
    assert lines(code) == []


def test_module_level_instance_and_inherited_classmethod_are_followed():
    files = {
        **FILES,
        "billing/services.py": (
            "from billing.pricing import Basket, CachedBasket\n\nbasket = CachedBasket()\n"
        ),
    }
    code = (
        "from billing import services\n"
        "from billing.pricing import CachedBasket\n\n"
        "async def v(pk):\n"
        "    return services.basket.total(pk), CachedBasket.build().total(pk)\n"
    )
    assert [(d.line, d.code) for d in lint_snippet(code, extra_files=files)] == [(5, "ADJ301"), (5, "ADJ301")]


def test_calling_a_generator_function_runs_nothing_yet():
    code = (
        "from django.http import StreamingHttpResponse\n"
        "from shop.models import Customer\n\n"
        "def names():\n"
        "    for customer in Customer.objects.all():\n"
        "        yield customer.name\n\n"
        "async def v(request):\n"
        "    return StreamingHttpResponse(names())\n"
    )
    assert lines(code) == [(9, "ADJ511")]  # the streaming rule's warning, no ADJ3xx


def test_a_generator_function_iterated_on_the_loop_runs_its_body_there():
    code = (
        "from shop.models import Customer\n\n"
        "def names():\n"
        "    for customer in Customer.objects.all():\n"
        "        yield customer.name\n\n"
        "async def v(request):\n"
        "    for name in names():\n"
        "        print(name)\n"
        "    return list(names()), [n async for n in to_async(names())]\n"
    )
    assert lines(code) == [(8, "ADJ301"), (10, "ADJ301")]


def test_local_file_io_is_reported_where_async_code_calls_it_not_behind_helpers():
    code = (
        "def read_config():\n"
        "    with open('config.txt') as stream:\n"
        "        return stream.read()\n"
        "\n"
        "async def v(request):\n"
        "    read_config()\n"
        "    return open('other.txt').read()\n"
    )
    assert [(d.line, d.code) for d in lint_snippet(code)] == [(7, "ADJ512")]


def test_overridden_save_is_left_to_the_instance_rule():
    code = (
        "from django.db import models\n"
        "from shop.models import Tag\n\n"
        "class Label(models.Model):\n"
        "    name = models.CharField(max_length=10)\n\n"
        "    def save(self, *args, **kwargs):\n"
        "        Tag.objects.get_or_create(name=self.name)\n"
        "        super().save(*args, **kwargs)\n\n"
        "async def v(pk):\n"
        "    label = await Label.objects.aget(pk=pk)\n"
        "    label.save()\n"
    )
    assert lines(code) == [(13, "ADJ103")]


def test_helpers_are_judged_by_the_selected_rules_only():
    code = "from billing import pricing\n\nasync def v(pk):\n    return pricing.discounted_total(pk)\n"
    with_queries = lint_snippet(code, extra_files=FILES, select=("ADJ1", "ADJ3"))
    without_queries = lint_snippet(code, extra_files=FILES, select=("ADJ2", "ADJ3", "ADJ5"))
    assert [(d.line, d.code) for d in with_queries] == [(4, "ADJ301")]
    assert without_queries == []  # the helper's query is a fact only while ADJ101 runs


def _helper_findings(code: str) -> list[tuple[str, int, str]]:
    return [(d.code, d.line, d.message) for d in lint_snippet(code)]


def test_the_request_passed_to_a_helper_is_the_request_there_also_through_getattr() -> None:
    code = """\
from django.http import HttpResponse


def staff_only(request):
    return getattr(request, "user").is_staff


async def report(request):
    if not staff_only(request):
        return HttpResponse(status=403)
    return HttpResponse("report")
"""
    found = _helper_findings(code)
    assert [(c, line) for c, line, _ in found] == [("ADJ301", 9)]
    assert 'staff_only() -> getattr(request, "user").is_staff (snippet.py:5)' in found[0][2]


def test_request_user_passed_on_through_two_helpers_keeps_what_it_is() -> None:
    code = """\
from django.http import JsonResponse


def describe(user):
    return {"name": user.get_username()}


def payload(user):
    return describe(user)


async def whoami(request):
    return JsonResponse(payload(request.user))
"""
    found = _helper_findings(code)
    assert [(c, line) for c, line, _ in found] == [("ADJ301", 13)]
    assert "payload() -> describe() -> user.get_username" in found[0][2]


def test_a_loaded_user_or_a_session_loaded_by_the_caller_is_not_reported_in_the_helper() -> None:
    code = """\
from django.http import JsonResponse


def describe(user):
    return {"name": user.get_username()}


def theme(request):
    return request.session.get("theme", "light")


async def whoami(request):
    user = await request.auser()
    return JsonResponse({**describe(user), "theme": theme(request)})
"""
    assert _helper_findings(code) == []


def test_a_helper_whose_parameter_is_annotated_keeps_its_annotation() -> None:
    code = """\
from django.http import JsonResponse
from shop.models import Order


def invoice_line(order: Order):
    return order.customer.name


async def invoice(request, pk):
    order = await Order.objects.aget(pk=pk)
    return JsonResponse({"line": invoice_line(order)})
"""
    # The annotation says nothing of what was loaded: silent, as for any unknown loading.
    assert _helper_findings(code) == []


# Classmethods, staticmethods and constructors: what calling them runs.

SHELVES = """\
from django.db import models


class Shelf(models.Model):
    name = models.CharField(max_length=20)
    order = models.ForeignKey("shop.Order", on_delete=models.CASCADE)

    @classmethod
    def busiest(cls):
        return cls.objects.order_by("name").first()

    @classmethod
    def named(cls, name):
        return cls.objects.filter(name=name)

    @staticmethod
    def total():
        return Shelf.objects.count()

    @staticmethod
    def label(order):
        return order.customer.name

    @classmethod
    def label_of(cls, order):
        return order.customer.name
"""
SERVICES = """\
import time

from shop.models import Customer


class CustomerForm:
    def __init__(self, data):
        self.data = data
        self.newest = Customer.objects.order_by("-pk").first()


class Throttle:
    def __init__(self):
        time.sleep(0.5)


class Plain:
    def __init__(self, data):
        self.data = data


class Bare:
    pass


class ChildForm(CustomerForm):
    pass


def build_form(data):
    return CustomerForm(data)
"""
SHELF_FILES = {"shelves/__init__.py": "", "shelves/models.py": SHELVES, "services.py": SERVICES}


def _shelf_findings(code: str) -> list[tuple[int, str, str]]:
    return [(d.line, d.code, d.message) for d in lint_snippet(code, extra_files=SHELF_FILES)]


def test_classmethod_of_a_model_queries_through_cls() -> None:
    code = "from shelves.models import Shelf\n\nasync def v(request):\n    return Shelf.busiest()\n"
    [(line, rule, message)] = _shelf_findings(code)
    assert (line, rule) == (4, "ADJ301")
    assert (
        'reached from `Shelf.busiest()` on the event loop: Shelf.busiest() -> cls.objects.order_by("name").first() (shelves/models.py:10)'
        in message
    )


def test_staticmethod_of_a_model_read_off_the_class_or_an_instance() -> None:
    code = (
        "from shelves.models import Shelf\n\n"
        "async def v(request, pk):\n"
        "    shelf = await Shelf.objects.aget(pk=pk)\n"
        "    return Shelf.total(), shelf.total()\n"
    )
    found = _shelf_findings(code)
    assert [(line, rule) for line, rule, _ in found] == [(5, "ADJ301"), (5, "ADJ301")]
    assert all("-> Shelf.objects.count() (shelves/models.py:18)" in message for _, _, message in found)


def test_classmethod_called_on_an_instance_gets_the_model_as_cls() -> None:
    code = (
        "from shelves.models import Shelf\n\n"
        "async def v(request, pk):\n"
        "    shelf = await Shelf.objects.aget(pk=pk)\n"
        "    return shelf.busiest()\n"
    )
    assert [(line, rule) for line, rule, _ in _shelf_findings(code)] == [(5, "ADJ301")]


def test_arguments_bind_past_cls_but_not_past_a_staticmethods_first_parameter() -> None:
    code = (
        "from shelves.models import Shelf\n"
        "from shop.models import Order\n\n"
        "async def v(request, pk):\n"
        "    order = await Order.objects.aget(pk=pk)\n"
        "    return Shelf.label(order), Shelf.label_of(order)\n"
    )
    found = _shelf_findings(code)
    assert [(line, rule) for line, rule, _ in found] == [(6, "ADJ301"), (6, "ADJ301")]
    assert all("-> order.customer (shelves/models.py:" in message for _, _, message in found)
    loaded = code.replace("Order.objects.aget", 'Order.objects.select_related("customer").aget')
    assert _shelf_findings(loaded) == []


def test_a_classmethod_result_keeps_its_type() -> None:
    code = (
        "from shelves.models import Shelf\n\n"
        "async def v(request):\n"
        "    return [shelf.pk for shelf in Shelf.named('a')]\n"
    )
    assert [(line, rule) for line, rule, _ in _shelf_findings(code)] == [(4, "ADJ102")]


def test_constructing_a_project_class_runs_its_init_on_the_loop() -> None:
    code = (
        "from services import ChildForm, CustomerForm, Throttle\n\n"
        "async def v(request):\n"
        "    form = CustomerForm(request.POST)\n"
        "    Throttle()\n"
        "    return ChildForm(request.POST), form\n"
    )
    found = _shelf_findings(code)
    assert [(line, rule) for line, rule, _ in found] == [(4, "ADJ301"), (5, "ADJ302"), (6, "ADJ301")]
    assert found[0][2].startswith(
        '`Customer.objects.order_by("-pk").first()` runs a database query on the event loop and raises '
        "SynchronousOnlyOperation, reached from `CustomerForm()` on the event loop: CustomerForm() -> "
    )
    assert found[0][2].endswith("use `await sync_to_async(CustomerForm)(...)`")
    assert (
        "reached from `Throttle()` on the event loop: Throttle() -> time.sleep() (services.py:14)"
        in found[1][2]
    )


def test_a_constructor_is_followed_behind_a_helper_too() -> None:
    code = "from services import build_form\n\nasync def v(request):\n    return build_form(request.POST)\n"
    [(line, rule, message)] = _shelf_findings(code)
    assert (line, rule) == (4, "ADJ301")
    assert "build_form() -> CustomerForm() -> Customer.objects.order_by" in message


def test_constructors_that_do_nothing_on_the_loop_or_run_in_a_thread_are_silent() -> None:
    code = (
        "from asgiref.sync import sync_to_async\n"
        "from services import Bare, CustomerForm, Plain\n"
        "from shelves.models import Shelf\n\n"
        "async def v(request):\n"
        "    form = await sync_to_async(CustomerForm)(request.POST)\n"
        "    return Plain(request.POST), Bare(), Shelf(name='a'), form\n\n"
        "def sync_view(request):\n"
        "    return CustomerForm(request.POST)\n"
    )
    assert _shelf_findings(code) == []


# What `__init__` stores on `self` is known to the object's methods and properties.

CARDS = """\
class OrderCard:
    def __init__(self, order, note=None):
        self.order = order
        self.note = note

    @property
    def customer(self):
        return self.order.customer.name

    def render(self):
        return self.order.customer.email


class ReassignedCard(OrderCard):
    def swap(self, other):
        self.order = other


class ConditionalCard:
    def __init__(self, order):
        if order.pk:
            self.order = order

    @property
    def customer(self):
        return self.order.customer.name
"""


def test_an_instance_stored_on_self_by_init_keeps_what_its_query_loaded() -> None:
    code = (
        "from cards import OrderCard\n"
        "from shop.models import Order\n\n"
        "async def v(request, pk):\n"
        "    order = await Order.objects.aget(pk=pk)\n"
        "    card = OrderCard(order)\n"
        "    return card.customer, OrderCard(order=order).render()\n"
    )
    found = [(d.line, d.code, d.message) for d in lint_snippet(code, extra_files={"cards.py": CARDS})]
    assert [(line, rule) for line, rule, _ in found] == [(7, "ADJ301"), (7, "ADJ301")]
    assert "card.customer -> self.order.customer (cards.py:8)" in found[0][2]
    assert "OrderCard(order=order).render() -> self.order.customer (cards.py:11)" in found[1][2]
    loaded = code.replace("Order.objects.aget", 'Order.objects.select_related("customer").aget')
    assert lint_snippet(loaded, extra_files={"cards.py": CARDS}) == []


def test_an_attribute_assigned_elsewhere_or_under_a_condition_stays_unknown() -> None:
    code = (
        "from cards import ConditionalCard, ReassignedCard\n"
        "from shop.models import Order\n\n"
        "async def v(request, pk):\n"
        "    order = await Order.objects.aget(pk=pk)\n"
        "    return ReassignedCard(order).customer, ConditionalCard(order).customer\n"
    )
    assert lint_snippet(code, extra_files={"cards.py": CARDS}) == []


def test_code_that_runs_only_without_a_running_loop_is_not_judged_on_the_loop() -> None:
    code = """\
import asyncio
import concurrent.futures

from shop.models import Customer

_pool = concurrent.futures.ThreadPoolExecutor(1)


def load_names():
    return [customer.name for customer in Customer.objects.all()]


def cached_names():
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return load_names()
    return _pool.submit(load_names).result(timeout=5)


def eager_names():
    try:
        asyncio.get_running_loop()
    except ValueError:
        return load_names()
    return []


async def names(request):
    return cached_names(), eager_names()
"""
    found = _helper_findings(code)
    assert [(rule, line) for rule, line, _ in found] == [("ADJ301", 30)]
    assert "eager_names() -> load_names() ->" in found[0][2]


def test_the_request_user_passed_to_a_constructor_is_the_request_user_in_init() -> None:
    code = """\
from django import forms
from django.http import JsonResponse


class NoteForm(forms.Form):
    def __init__(self, data, user):
        super().__init__(data)
        if user.is_authenticated:
            self.fields["note"] = forms.CharField()


async def create(request):
    form = NoteForm(request.POST, request.user)
    return JsonResponse({"ok": form.is_bound})
"""
    [(rule, line, message)] = _helper_findings(code)
    assert (rule, line) == ("ADJ301", 13)
    assert (
        "reached from `NoteForm()` on the event loop: NoteForm() -> user.is_authenticated (snippet.py:8)"
        in message
    )
