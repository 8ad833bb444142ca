"""Values followed through project functions, methods and class-based views."""

from __future__ import annotations

from tests.helpers import lint_snippet

QUERIES = """\
from typing import Optional

from django.db.models import QuerySet

from shop.loader import load
from shop.models import Order, Product


def active_products():
    return Product.objects.filter(available=True)


def plain_orders():
    orders = Order.objects.all()
    return orders.order_by("created")


def orders_with_customers():
    return Order.objects.select_related("customer")


def either(flag):
    if flag:
        return Product.objects.all()
    return []


def maybe(flag):
    if flag:
        return Product.objects.all()
    return None


def order_and_lines(pk):
    order = Order.objects.get(pk=pk)
    return order, order.lines.all()


async def order_and_count(pk):
    order = await Order.objects.aget(pk=pk)
    return order, 3


def annotated_pair(pk) -> tuple[Order, QuerySet[Product]]:
    return load(pk)


def annotated_rows(pk) -> QuerySet[Product]:
    return load(pk)


def annotated_any(pk) -> tuple[Order, ...]:
    return load(pk)


def annotated_optional(pk) -> QuerySet[Product] | None:
    return load(pk)


def annotated_typing_optional(pk) -> Optional[QuerySet[Product]]:
    return load(pk)


def forever():
    return forever()


class Catalogue:
    def products(self):
        return active_products()
"""


def found(code: str) -> list[tuple[int, str]]:
    files = {"shop/queries.py": QUERIES, "shop/loader.py": "def load(pk):\n    return pk\n"}
    return [(d.line, d.code) for d in lint_snippet(code, extra_files=files)]


def test_queryset_returned_by_a_function_in_another_module_is_followed():
    code = "from shop.queries import active_products\n\nasync def v():\n    return list(active_products())\n"
    assert found(code) == [(4, "ADJ102")]


def test_function_reached_as_a_module_attribute_and_through_an_alias():
    code = (
        "from shop import queries\n"
        "from shop.queries import plain_orders as po\n\n"
        "async def v():\n"
        "    for order in queries.plain_orders():\n"
        "        pass\n"
        "    return len(po())\n"
    )
    assert found(code) == [(5, "ADJ102"), (7, "ADJ102")]


def test_loading_survives_the_return():
    code = (
        "from shop.queries import orders_with_customers, plain_orders\n\n"
        "async def v():\n"
        "    async for order in orders_with_customers():\n"
        "        print(order.customer.name)\n"
        "    async for other in plain_orders():\n"
        "        print(other.customer.name)\n"
    )
    assert found(code) == [(7, "ADJ201")]


def test_method_of_a_project_class_is_followed():
    code = "from shop.queries import Catalogue\n\nasync def v():\n    return bool(Catalogue().products())\n"
    assert found(code) == [(4, "ADJ102")]


def test_returns_that_disagree_and_recursion_stay_unknown():
    code = (
        "from shop.queries import either, forever\n\n"
        "async def v():\n"
        "    return list(either(True)), list(forever())\n"
    )
    assert found(code) == []


def test_none_on_one_path_and_a_queryset_on_another_is_a_queryset() -> None:
    code = (
        "from shop.models import Order\n"
        "from shop.queries import maybe\n\n"
        "async def v(flag):\n"
        "    qs = None\n"
        "    if flag:\n"
        "        qs = Order.objects.filter(note='')\n"
        "    if qs:\n"
        "        pass\n"
        "    if qs is not None:\n"
        "        pass\n"
        "    return list(maybe(flag))\n"
    )
    assert found(code) == [(8, "ADJ102"), (12, "ADJ102")]


def test_none_on_one_path_and_an_instance_on_another_keeps_the_instance() -> None:
    code = (
        "from shop.models import Order\n\n"
        "async def v(pk):\n"
        "    order = None\n"
        "    if pk:\n"
        "        order = await Order.objects.aget(pk=pk)\n"
        "    return order.customer.name if order else ''\n"
    )
    assert found(code) == [(7, "ADJ201")]


def test_none_with_anything_else_stays_unknown() -> None:
    code = (
        "from shop.models import Order\n\n"
        "async def v(flag):\n"
        "    task = None\n"
        "    if flag:\n"
        "        task = Order.objects.acount()\n"
        "    if task:\n"
        "        return await task\n"
    )
    assert found(code) == []


def test_walrus_binding_keeps_the_instance_and_what_its_query_loaded() -> None:
    code = (
        "from shop.models import Order\n\n"
        "async def v(pk):\n"
        "    if (order := await Order.objects.filter(pk=pk).afirst()) is not None:\n"
        "        return order.customer.name\n"
        "    while (other := await Order.objects.select_related('customer').afirst()):\n"
        "        return other.customer.name\n"
    )
    assert found(code) == [(5, "ADJ201")]


def test_tuple_unpacking_of_a_project_functions_result() -> None:
    code = (
        "from shop.queries import order_and_count, order_and_lines\n\n"
        "async def v(pk):\n"
        "    order, count = await order_and_count(pk)\n"
        "    return order.customer.name, count\n\n"
        "def w(pk):\n"
        "    (order, lines) = order_and_lines(pk)\n"
        "    async def rows():\n"
        "        for line in lines:\n"
        "            yield line.pk\n"
        "    return rows\n"
    )
    assert found(code) == [(5, "ADJ201"), (10, "ADJ102")]


def test_a_return_annotation_gives_the_type_the_body_does_not() -> None:
    code = (
        "from shop.queries import annotated_any, annotated_pair, annotated_rows\n\n"
        "async def v(pk):\n"
        "    order, products = annotated_pair(pk)\n"
        "    first, *rest = annotated_any(pk)\n"
        "    return [p.pk for p in products], list(annotated_rows(pk)), order.customer_id\n"
    )
    assert found(code) == [(6, "ADJ102"), (6, "ADJ102")]


def test_an_optional_annotation_is_what_it_is_when_it_is_not_none() -> None:
    code = (
        "from shop.queries import annotated_optional, annotated_typing_optional\n\n"
        "async def v(pk):\n"
        "    products = annotated_optional(pk)\n"
        "    if products:\n"
        "        return list(annotated_typing_optional(pk))\n"
    )
    assert found(code) == [(5, "ADJ102"), (6, "ADJ102")]


def test_a_local_function_with_the_same_name_is_not_the_imported_one():
    code = "def active_products():\n    return []\n\nasync def v():\n    return list(active_products())\n"
    assert found(code) == []


def test_aget_object_or_404_gives_an_instance_with_nothing_loaded():
    code = (
        "from django.shortcuts import aget_object_or_404\n"
        "from shop.models import Order\n\n"
        "async def v(pk):\n"
        "    order = await aget_object_or_404(Order, pk=pk)\n"
        "    return order.customer.name\n"
    )
    assert found(code) == [(6, "ADJ201")]


def test_list_view_get_queryset_comes_from_its_model():
    code = (
        "from django.views.generic import ListView\n"
        "from shop.models import Product\n\n"
        "class Products(ListView):\n"
        "    model = Product\n\n"
        "    async def get(self, request):\n"
        "        names = [p.name for p in self.get_queryset()]\n"
        "        return self.model.objects.count()\n"
    )
    assert found(code) == [(8, "ADJ102"), (9, "ADJ101")]


def test_get_queryset_override_through_super_keeps_the_class_queryset():
    code = (
        "from django.views.generic import ListView\n"
        "from shop.models import Order\n\n"
        "class Orders(ListView):\n"
        "    queryset = Order.objects.select_related('customer')\n\n"
        "    def get_queryset(self):\n"
        "        return super().get_queryset().filter(note='x')\n\n"
        "    async def get(self, request):\n"
        "        async for order in self.get_queryset():\n"
        "            print(order.customer.name)\n"
        "        return len(self.queryset)\n"
    )
    assert found(code) == [(13, "ADJ102")]


def test_queryset_attribute_reassigned_in_a_method_is_unknown():
    code = (
        "from django.views.generic import ListView\n"
        "from shop.models import Order\n\n"
        "class Orders(ListView):\n"
        "    queryset = Order.objects.all()\n\n"
        "    def setup(self, request):\n"
        "        self.queryset = []\n\n"
        "    async def get(self, request):\n"
        "        return len(self.queryset), len(self.get_queryset())\n"
    )
    assert found(code) == []


def test_self_in_a_model_method_is_an_instance():
    code = (
        "from django.db import models\n\n"
        "class Note(models.Model):\n"
        "    text = models.TextField()\n\n"
        "    async def touch(self):\n"
        "        self.save()\n"
    )
    assert found(code) == [(7, "ADJ103")]
