"""The ORM rules (ADJ1xx) on the cases the examples do not cover."""

from __future__ import annotations

from tests.helpers import codes, lint_snippet

HEADER = "from asgiref.sync import sync_to_async\nfrom shop.models import Order, Product\n\n\n"


def test_blocking_call_reports_line_column_and_async_twin():
    [finding] = lint_snippet(HEADER + "async def view(request):\n    return Product.objects.count()\n")
    assert (finding.code, finding.line, finding.column) == ("ADJ101", 6, 12)
    assert finding.message == (
        "`Product.objects.count()` runs a database query on the event loop and raises "
        "SynchronousOnlyOperation; use `await Product.objects.acount(...)`"
    )


def test_custom_manager_declared_as_instance_is_followed():
    assert codes(HEADER + "async def view(request):\n    return Product.in_stock.first()\n") == ["ADJ101"]


def test_queryset_followed_through_reassignment_to_a_for_loop():
    code = HEADER + (
        "async def view(request):\n"
        "    qs = Product.objects.filter(available=True)\n"
        "    qs = qs.order_by('name')\n"
        "    for product in qs:\n"
        "        print(product)\n"
    )
    assert codes(code) == ["ADJ102"]


def test_name_rebound_to_a_list_is_not_a_queryset():
    code = HEADER + (
        "async def view(request):\n"
        "    products = Product.objects.filter(available=True)\n"
        "    products = await sync_to_async(list)(products)\n"
        "    return len(products), [p.name for p in products], products[0]\n"
    )
    assert codes(code) == []


def test_every_evaluation_form_is_reported():
    code = HEADER + (
        "async def view(request, product):\n"
        "    qs = Product.objects.all()\n"
        "    a = list(qs)\n"
        "    b = qs[0]\n"
        "    c = product in qs\n"
        "    first, *rest = qs\n"
        "    d = f'{qs}'\n"
        "    e = bool(qs)\n"
    )
    assert [(d.code, d.line) for d in lint_snippet(code)] == [("ADJ102", line) for line in range(7, 13)]


def test_lazy_builders_and_slices_stay_silent():
    code = HEADER + (
        "async def view(request):\n"
        "    qs = Product.objects.filter(available=True).select_related().values('name')[:10]\n"
        "    async for row in qs:\n"
        "        print(row)\n"
        "    return [p async for p in Product.objects.all()]\n"
    )
    assert codes(code) == []


def test_sync_code_nested_functions_and_thread_bridges_stay_silent():
    code = HEADER + (
        "def sync_view(request):\n"
        "    return Product.objects.get(pk=1)\n"
        "\n"
        "@sync_to_async\n"
        "def helper():\n"
        "    return list(Product.objects.all())\n"
        "\n"
        "async def view(request):\n"
        "    def load():\n"
        "        return Product.objects.get(pk=1)\n"
        "    a = await sync_to_async(load)()\n"
        "    b = await sync_to_async(lambda: Product.objects.get(pk=1))()\n"
        "    c = await helper()\n"
        "    return a, b, c\n"
    )
    assert codes(code) == []


def test_lambda_called_on_the_loop_is_reported():
    code = (
        HEADER + "async def view(request):\n    return sorted([1], key=lambda x: Product.objects.count())\n"
    )
    assert codes(code) == ["ADJ101"]


def test_objects_on_a_class_that_is_not_a_model_stays_silent():
    code = (
        "class Registry:\n    objects = {}\n\n"
        "class Product:\n    objects = None\n\n"
        "async def view(request):\n    return Registry.objects.get('x'), Product.objects.get(pk=1)\n"
    )
    assert codes(code) == []


def test_model_reached_through_a_module_alias():
    code = "import shop.models as m\n\nasync def view(request):\n    return m.Product.objects.get(pk=1)\n"
    assert codes(code) == ["ADJ101"]


def test_get_user_model_returns_the_user_model():
    code = (
        "from django.contrib.auth import get_user_model\n\nUser = get_user_model()\n\n"
        "async def view(request):\n    return User.objects.filter(is_active=True).count()\n"
    )
    assert codes(code) == ["ADJ101"]


def test_instance_from_annotation_and_constructor_saved_on_the_loop():
    code = HEADER + (
        "async def view(request, order: Order):\n"
        "    order.save()\n"
        "    product = Product(name='x', price=1)\n"
        "    product.delete()\n"
        "    await product.arefresh_from_db()\n"
    )
    assert codes(code) == ["ADJ103", "ADJ103"]


def test_unawaited_async_call_assigned_and_used_as_a_result():
    code = (
        HEADER
        + "async def view(request, pk):\n    product = Product.objects.aget(pk=pk)\n    return product.name\n"
    )
    assert codes(code) == ["ADJ105"]


def test_coroutine_handed_to_gather_or_returned_is_not_lost():
    code = HEADER + (
        "import asyncio\n\n"
        "async def view(request):\n"
        "    pending = Product.objects.acount()\n"
        "    await asyncio.gather(pending)\n"
        "    return Product.objects.afirst()\n"
    )
    assert codes(code) == []


def test_iterator_and_aiterator_misuse():
    code = HEADER + (
        "async def view(request):\n"
        "    for p in Product.objects.iterator():\n"
        "        print(p)\n"
        "    await Product.objects.all().aiterator()\n"
    )
    assert codes(code) == ["ADJ101", "ADJ104"]


def test_noqa_suppresses_only_the_named_code():
    code = HEADER + (
        "async def view(request):\n"
        "    a = Product.objects.count()  # noqa: ADJ101\n"
        "    b = Product.objects.count()  # noqa\n"
        "    c = Product.objects.count()  # noqa: ADJ102\n"
    )
    # ADJ002 also says the ADJ102 there suppresses nothing.
    assert [(d.line, d.code) for d in lint_snippet(code)] == [(8, "ADJ101"), (8, "ADJ002")]
