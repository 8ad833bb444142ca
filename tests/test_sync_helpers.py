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
