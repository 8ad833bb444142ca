"""Relations: the index learns them across apps, and ADJ201-203 judge their use in async code."""

from __future__ import annotations

from tests.helpers import lint_snippet

HEADER = """\
from django.db.models import Prefetch
from shop.models import Customer, Order, OrderLine, Product, Tag

"""


def found(body: str, **kwargs) -> list[tuple[int, str]]:
    return [(d.line - HEADER.count("\n"), d.code) for d in lint_snippet(HEADER + body, **kwargs)]


def messages(body: str, **kwargs) -> list[str]:
    return [d.message for d in lint_snippet(HEADER + body, **kwargs)]


def test_forward_relation_read_after_aget_is_reported():
    assert found(
        "async def v(pk):\n    order = await Order.objects.aget(pk=pk)\n    return order.customer\n"
    ) == [(3, "ADJ201")]


def test_relation_passed_on_is_reported_once_not_per_attribute():
    body = "async def v(pk):\n    order = await Order.objects.aget(pk=pk)\n    return order.customer.name.upper()\n"
    assert found(body) == [(3, "ADJ201")]


def test_foreign_key_id_is_silent():
    assert (
        found("async def v(pk):\n    order = await Order.objects.aget(pk=pk)\n    return order.customer_id\n")
        == []
    )


def test_select_related_path_loads_every_step_of_it():
    body = (
        "async def v(pk):\n"
        '    line = await OrderLine.objects.select_related("order__customer").aget(pk=pk)\n'
        "    return line.order.customer.name, line.product\n"
    )
    assert found(body) == [(3, "ADJ201")]
    assert "`line.product` was not loaded" in messages(body)[0]


def test_prefetch_object_without_to_attr_loads_its_path():
    body = (
        "async def v():\n"
        '    async for line in OrderLine.objects.prefetch_related(Prefetch("order")):\n'
        "        print(line.order.note)\n"
    )
    assert found(body) == []


def test_prefetch_object_with_to_attr_does_not_load_the_relation():
    body = (
        "async def v():\n"
        '    async for line in OrderLine.objects.prefetch_related(Prefetch("order", to_attr="o")):\n'
        "        print(line.order.note)\n"
    )
    assert found(body) == [(3, "ADJ201")]


def test_relation_assigned_in_the_function_is_silent():
    body = (
        "async def v(pk, customer):\n"
        "    order = await Order.objects.aget(pk=pk)\n"
        "    order.customer = customer\n"
        "    return order.customer.name\n"
    )
    assert found(body) == []


def test_instance_from_a_parameter_or_a_constructor_is_not_judged():
    body = (
        "async def v(order: Order, customer):\n    return order.customer, Order(customer=customer).customer\n"
    )
    assert found(body) == []


def test_instance_bound_by_two_queries_that_disagree_is_not_judged():
    body = (
        "async def v(pk, flag):\n"
        "    order = await Order.objects.aget(pk=pk)\n"
        "    if flag:\n"
        '        order = await Order.objects.select_related("customer").aget(pk=pk)\n'
        "    order.save()\n"
        "    return order.customer\n"
    )
    assert found(body) == [(5, "ADJ103")]


def test_relation_read_in_a_thread_is_silent():
    body = (
        "from asgiref.sync import sync_to_async\n\n"
        "async def v(pk):\n"
        "    order = await Order.objects.aget(pk=pk)\n"
        "    return await sync_to_async(lambda: order.customer)()\n"
    )
    assert found(body) == []


def test_reverse_manager_iterated_is_reported_by_the_queryset_rule():
    body = (
        "async def v(pk):\n"
        "    order = await Order.objects.aget(pk=pk)\n"
        "    return [line.quantity for line in order.lines.all()], order.lines.count()\n"
    )
    assert found(body) == [(3, "ADJ102"), (3, "ADJ101")]


def test_prefetched_reverse_manager_is_served_from_its_cache():
    body = (
        "async def v(pk):\n"
        '    order = await Order.objects.prefetch_related("lines").aget(pk=pk)\n'
        "    return [line.quantity for line in order.lines.all()], order.lines.count()\n"
    )
    assert found(body) == []


def test_filter_on_a_prefetched_manager_queries_again():
    body = (
        "async def v(pk):\n"
        '    order = await Order.objects.prefetch_related("lines").aget(pk=pk)\n'
        "    return list(order.lines.filter(quantity=2))\n"
    )
    assert found(body) == [(3, "ADJ102")]


def test_rows_of_a_prefetched_manager_carry_the_paths_below_it():
    body = (
        "async def v(pk):\n"
        '    order = await Order.objects.prefetch_related("lines__product").aget(pk=pk)\n'
        "    return [(line.product.name, line.order.note) for line in order.lines.all()]\n"
    )
    assert found(body) == [(3, "ADJ201")]
    assert "`line.order` was not loaded" in messages(body)[0]


def test_reverse_manager_of_a_parameter_is_not_judged_for_reads_but_is_for_writes():
    body = "async def v(product: Product, tag: Tag):\n    print(list(product.tags.all()))\n    product.tags.remove(tag)\n"
    assert found(body) == [(3, "ADJ202")]


def test_related_create_suggests_acreate_from_django_4_1_4():
    body = "async def v(customer: Customer):\n    customer.orders.create(note='x')\n"
    assert messages(body) == [
        (
            "`customer.orders.create()` runs SQL on the event loop and raises SynchronousOnlyOperation; "
            "use `await customer.orders.acreate(...)`"
        )
    ]
    assert (
        "on Django 4.1.4 or later, else `await sync_to_async(customer.orders.create)(...)`"
        in messages(body, target_django=(4, 1))[0]
    )


def test_related_add_before_django_4_2_suggests_sync_to_async():
    body = "async def v(product: Product, tag: Tag):\n    product.tags.add(tag)\n"
    assert messages(body, target_django=(4, 1)) == [
        (
            "`product.tags.add()` runs SQL on the event loop and raises SynchronousOnlyOperation; "
            "use `await sync_to_async(product.tags.add)(...)` (`aadd()` needs Django 4.2)"
        )
    ]


def test_remove_on_a_non_nullable_reverse_foreign_key_is_not_this_rules_concern():
    assert found("async def v(customer: Customer, order):\n    customer.orders.remove(order)\n") == []


def test_deferred_field_is_reported_and_loaded_ones_are_not():
    body = (
        "async def v(pk):\n"
        '    product = await Product.objects.defer("price").aget(pk=pk)\n'
        "    return product.name, product.price, product.pk\n"
    )
    assert found(body) == [(3, "ADJ203")]


def test_only_with_a_related_path_keeps_the_foreign_key_loaded():
    body = (
        "async def v(pk):\n"
        '    order = await Order.objects.select_related("customer").only("note", "customer__name").aget(pk=pk)\n'
        "    return order.note, order.customer_id, order.created\n"
    )
    assert found(body) == [(3, "ADJ203")]


def test_relations_declared_by_string_across_apps_and_self():
    files = {
        "billing/__init__.py": "",
        "billing/apps.py": (
            "from django.apps import AppConfig\n\n"
            "class BillingConfig(AppConfig):\n    name = 'billing'\n    label = 'invoices'\n"
        ),
        "billing/models.py": (
            "from django.db import models\n\n"
            "class Invoice(models.Model):\n"
            "    order = models.OneToOneField('shop.Order', on_delete=models.CASCADE)\n"
            "    previous = models.ForeignKey('self', null=True, on_delete=models.SET_NULL)\n"
            "    payer = models.ForeignKey('shop.Customer', on_delete=models.CASCADE, related_name='+')\n"
            "class Reminder(models.Model):\n"
            "    invoice = models.ForeignKey('Invoice', on_delete=models.CASCADE)\n"
        ),
    }
    body = (
        "from billing.models import Invoice\n\n"
        "async def v(pk):\n"
        "    invoice = await Invoice.objects.aget(pk=pk)\n"
        "    order = await Order.objects.aget(pk=pk)\n"
        "    print(invoice.order, invoice.previous, invoice.payer_id, order.invoice)\n"
        "    print(list(invoice.reminder_set.all()), list(invoice.invoice_set.all()))\n"
    )
    assert found(body, extra_files=files) == [
        (6, "ADJ201"),
        (6, "ADJ201"),
        (6, "ADJ201"),
        (7, "ADJ102"),
        (7, "ADJ102"),
    ]


def test_generic_foreign_key_is_lazy_unless_prefetched():
    files = {
        "notes/__init__.py": "",
        "notes/models.py": (
            "from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation\n"
            "from django.contrib.contenttypes.models import ContentType\n"
            "from django.db import models\n\n"
            "class Note(models.Model):\n"
            "    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)\n"
            "    object_id = models.PositiveIntegerField()\n"
            "    target = GenericForeignKey('content_type', 'object_id')\n\n"
            "class Board(models.Model):\n"
            "    notes = GenericRelation(Note)\n"
        ),
    }
    body = (
        "from notes.models import Board, Note\n\n"
        "async def v(pk):\n"
        "    note = await Note.objects.aget(pk=pk)\n"
        "    board = await Board.objects.aget(pk=pk)\n"
        '    fetched = await Note.objects.prefetch_related("target").aget(pk=pk)\n'
        "    return note.target, fetched.target, note.object_id, list(board.notes.all())\n"
    )
    assert found(body, extra_files=files) == [(7, "ADJ201"), (7, "ADJ102")]
    assert 'add `prefetch_related("target")`' in messages(body, extra_files=files)[0]


def test_prefetch_object_with_its_own_queryset_leaves_the_rows_below_unknown():
    body = (
        "async def v(pk):\n"
        "    order = await Order.objects.prefetch_related(\n"
        '        Prefetch("lines", queryset=OrderLine.objects.select_related("product"))\n'
        "    ).aget(pk=pk)\n"
        "    return [line.product.name for line in order.lines.all()]\n"
    )
    assert found(body) == []


def test_many_to_many_manager_of_either_side_is_a_manager_of_the_other_model():
    body = (
        "async def v(pk):\n"
        "    product = await Product.objects.aget(pk=pk)\n"
        "    tag = await Tag.objects.aget(pk=pk)\n"
        "    return product.tags.count(), [p.name for p in tag.products.filter(available=True)]\n"
    )
    assert found(body) == [(4, "ADJ101"), (4, "ADJ102")]


def test_relation_loaded_in_a_thread_earlier_in_the_function_is_not_judged():
    body = (
        "from asgiref.sync import sync_to_async\n\n"
        "async def v(pk):\n"
        "    order = await Order.objects.aget(pk=pk)\n"
        "    other = await Order.objects.aget(pk=pk)\n"
        "    await sync_to_async(lambda: order.customer)()\n"
        "    await sync_to_async(getattr)(other, 'customer')\n"
        "    return order.customer.name, other.customer.name\n"
    )
    assert found(body) == []
