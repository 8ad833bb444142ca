"""The fixes of ADJ505/ADJ506 (TemplateResponse), ADJ508 (paging) and ADJ511 (async generator):
exact output where the fix is provable, and no fix where it is not."""

from __future__ import annotations

import pytest

from asyncdj_lint.fixes import Safety, apply_fixes
from tests.helpers import lint_snippet


def _fixes(code: str, select: str, **options: object) -> tuple[list[Safety | None], str]:
    """Each finding's fix safety (None: no fix), and the code once the fixes are applied."""
    found = [d for d in lint_snippet(code, select=(select,), **options) if d.code == select]  # type: ignore[arg-type]
    fixes = [d.fix for d in found if d.fix is not None]
    return [d.fix.safety if d.fix else None for d in found], apply_fixes(code, fixes).source


RENDER = """\
from django.shortcuts import render{alias}
from shop.models import Product


async def view(request):
    {body}
"""


def test_render_with_a_positional_using_passes_it_by_keyword_to_template_response():
    body = 'return render(request, "shop/product_list.html", {"products": Product.objects.all()}, None, 200, "django")'
    safety, fixed = _fixes(RENDER.format(alias="", body=body), "ADJ505")
    assert safety == [Safety.UNSAFE]
    assert (
        '    return TemplateResponse(request, "shop/product_list.html", '
        '{"products": Product.objects.all()}, None, 200, using="django")\n'
    ) in fixed
    assert "from django.template.response import TemplateResponse\n" in fixed
    assert "django.shortcuts" not in fixed


def test_render_by_keyword_renames_template_name_and_keeps_render_imported_while_used():
    code = RENDER.format(
        alias="",
        body='return render(request, template_name="shop/product_list.html", context={"products": Product.objects.all()})\n\n\n'
        'def page(request):\n    return render(request, "shop/product_list.html", {})',
    )
    safety, fixed = _fixes(code, "ADJ505")
    assert safety == [Safety.UNSAFE]
    assert (
        '    return TemplateResponse(request, template="shop/product_list.html", '
        'context={"products": Product.objects.all()})\n'
    ) in fixed
    assert fixed.startswith("from django.shortcuts import render\n")


@pytest.mark.parametrize(
    ("alias", "body"),
    [
        ("", 'response = render(request, "shop/product_list.html", {"products": Product.objects.all()})'),
        ("", 'return [render(request, "shop/product_list.html", {"products": Product.objects.all()})]'),
        (" as draw", 'return draw(request, "shop/product_list.html", {"products": Product.objects.all()})'),
        (
            "",
            'return render(request, "shop/product_list.html", {"products": Product.objects.all()}, **extra)',
        ),
    ],
    ids=["held-in-a-name", "not-returned-itself", "imported-under-another-name", "double-star-arguments"],
)
def test_render_has_no_fix_where_the_template_response_may_differ(alias: str, body: str):
    safety, _ = _fixes(RENDER.format(alias=alias, body=body), "ADJ505")
    assert safety == [None]


def test_render_to_string_runs_in_a_thread():
    code = """\
from django.http import HttpResponse
from django.template.loader import render_to_string
from shop.models import Order


async def view(request, pk):
    order = await Order.objects.aget(pk=pk)
    return HttpResponse(render_to_string("shop/order_detail.html", {"order": order}))
"""
    safety, fixed = _fixes(code, "ADJ506")
    assert safety == [Safety.UNSAFE]
    assert (
        '    return HttpResponse(await sync_to_async(render_to_string)("shop/order_detail.html", {"order": order}))\n'
    ) in fixed


PAGE = """\
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from shop.models import Product


async def view(request):
    products = Product.objects.order_by("name")
    page = Paginator(products, 2).get_page(1)
    {body}
"""
PAGED_TEMPLATE = {
    "shop/templates/shop/paged.html": "{% for product in page %}{{ product.name }}{% endfor %}",
    "shop/templates/shop/aliased.html": "{% with p=page %}{% for product in p %}{% endfor %}{% endwith %}",
    "shop/templates/shop/tags.html": "{% load static pagination %}{% paginate %}",
    "shop/templates/shop/named.html": "{% include name %}",
    "shop/templates/shop/missing.html": '{% include "shop/none.html" %}',
    "shop/templates/shop/number.html": '{% load static i18n %}{% include "shop/page_number.html" %}',
    "shop/templates/shop/page_number.html": "{{ page.number }} {% if page.has_next %}more{% endif %}",
}


@pytest.mark.parametrize(
    "body",
    [
        'return JsonResponse({"names": [product.name for product in page]})',
        'return JsonResponse({"count": len(page)})',
        'return JsonResponse({"first": page[0].name})',
        'return JsonResponse({"names": list(page.object_list.values_list("name", flat=True))})',
        'return render(request, "shop/paged.html", {"page": page})',
        'return render(request, template, {"page": page})',
        'return render(request, "shop/aliased.html", {"page": page})',
        'return render(request, "shop/tags.html", {"page": page})',
        'return render(request, "shop/named.html", {"page": page, "name": "shop/paged.html"})',
        'return render(request, "shop/missing.html", {"page": page})',
        "return (lambda: JsonResponse({'number': page.number}))()",
    ],
    ids=[
        "iterated",
        "len",
        "indexed",
        "object-list",
        "template-iterates-it",
        "template-unknown",
        "template-iterates-an-alias",
        "template-loads-a-tag-library",
        "template-includes-a-variable",
        "template-includes-a-missing-one",
        "lambda",
    ],
)
@pytest.mark.parametrize("target", [(5, 2), (6, 0)])
def test_a_page_whose_objects_may_be_read_on_the_loop_has_no_fix(body: str, target: tuple[int, int]):
    found = lint_snippet(
        PAGE.format(body=body), select=("ADJ508",), extra_files=PAGED_TEMPLATE, target_django=target
    )
    assert [(d.line, d.fix) for d in found if d.code == "ADJ508"] == [(9, None)]


def test_a_page_read_for_its_numbers_only_is_built_in_a_thread_or_by_async_paginator():
    body = 'return JsonResponse({"number": page.number, "template": render(request, "shop/product_list.html", {"page": page}).status_code})'
    safety, fixed = _fixes(PAGE.format(body=body), "ADJ508", target_django=(6, 0))
    assert safety == [Safety.UNSAFE]
    assert "    page = await AsyncPaginator(products, 2).aget_page(1)\n" in fixed
    assert fixed.startswith("from django.core.paginator import AsyncPaginator\n")

    body = 'return render(request, "shop/number.html", {"page": page})'
    safety, fixed = _fixes(PAGE.format(body=body), "ADJ508", target_django=(5, 2), extra_files=PAGED_TEMPLATE)
    assert safety == [Safety.UNSAFE]
    assert "    page = await sync_to_async(Paginator(products, 2).get_page)(1)\n" in fixed

    body = (
        'return JsonResponse({"number": page.number, "more": page.has_next(), "first": page.start_index()})'
    )
    for target in ((4, 2), (6, 0)):  # AsyncPage has no has_next(): the sync page, built in a thread
        safety, fixed = _fixes(PAGE.format(body=body), "ADJ508", target_django=target)
        assert safety == [Safety.UNSAFE]
        assert "    page = await sync_to_async(Paginator(products, 2).get_page)(1)\n" in fixed


def test_a_named_paginator_used_again_is_not_made_async():
    code = PAGE.replace(
        "page = Paginator(products, 2).get_page(1)",
        "paginator = Paginator(products, 2)\n    page = paginator.get_page(1)",
    ).format(body='return JsonResponse({"number": page.number, "pages": list(paginator.page_range)})')
    found = lint_snippet(code, select=("ADJ508",), target_django=(6, 0))
    fixes = [d.fix for d in found if d.fix is not None]
    assert [fix.title for fix in fixes] == ["Run `paginator.get_page()` in a thread"]


STREAM = """\
from django.http import StreamingHttpResponse
from shop.models import Order


def csv_lines(orders, sep=","):
    {body}


async def export(request):
    orders = [order async for order in Order.objects.order_by("pk")]
    return StreamingHttpResponse(csv_lines({argument}))
"""


def test_a_generator_over_the_rows_the_view_listed_becomes_async():
    code = STREAM.format(
        body='yield "id,note\\n"\n    for order in orders:\n        yield f"{order.pk}{sep}{order.note.strip()}{sep}{order.customer_id}\\n"',
        argument="orders",
    )
    safety, fixed = _fixes(code, "ADJ511")
    assert safety == [Safety.UNSAFE]
    assert fixed == code.replace("\ndef csv_lines", "\nasync def csv_lines")


@pytest.mark.parametrize(
    ("body", "argument"),
    [
        ('for order in orders:\n        yield f"{order.customer.name}\\n"', "orders"),  # a relation
        ('for order in orders:\n        yield f"{order}\\n"', "orders"),  # __str__ may query
        ("for order in orders:\n        yield str(order.lines.count())", "orders"),  # a related manager
        ("yield from orders", "orders"),  # no async form
        ('for order in orders:\n        yield f"{order.pk}\\n"', "Order.objects.all()"),  # a QuerySet
        ('for order in orders:\n        yield f"{order.pk}\\n"', "*orders"),
        ("for order in orders:\n        yield format_row(order.pk)", "orders"),  # unknown call
        ('import time\n    time.sleep(1)\n    yield ""', "orders"),
        ('for order in orders:\n        yield f"{order.pk}\\n"\n    else:\n        yield ""', "orders"),
    ],
    ids=[
        "relation",
        "instance-formatted",
        "related-manager",
        "yield-from",
        "queryset-argument",
        "star-argument",
        "unknown-call",
        "blocking-call",
        "for-else",
    ],
)
def test_a_generator_that_may_query_or_block_or_not_parse_as_async_has_no_fix(body: str, argument: str):
    safety, _ = _fixes(STREAM.format(body=body, argument=argument), "ADJ511")
    assert safety == [None]


def test_a_generator_named_elsewhere_in_the_project_or_module_has_no_fix():
    code = STREAM.format(body='for order in orders:\n        yield f"{order.pk}\\n"', argument="orders")
    assert _fixes(code, "ADJ511")[0] == [Safety.UNSAFE]
    elsewhere = {
        "reports.py": "from snippet import csv_lines\n\n\ndef report(rows):\n    return list(csv_lines(rows))\n"
    }
    found = lint_snippet(code, select=("ADJ511",), extra_files=elsewhere)
    assert [d.fix for d in found] == [None]
    twice = code + "\n\ndef preview(rows):\n    return next(csv_lines(rows))\n"
    assert _fixes(twice, "ADJ511")[0] == [None]
    exported = '__all__ = ["csv_lines"]\n' + code
    assert _fixes(exported, "ADJ511")[0] == [None]


def test_no_async_generator_is_offered_before_django_4_2():
    code = STREAM.format(body='for order in orders:\n        yield f"{order.pk}\\n"', argument="orders")
    assert _fixes(code, "ADJ511", target_django=(4, 1))[0] == [None]


def test_a_generator_slicing_a_module_constant_becomes_async_a_mutable_one_has_no_fix():
    code = """\
from django.http import StreamingHttpResponse

NOTES = b"Reading notes.\\n" * 4
SHELVES = ["a", "b"]


def chunks(data, size=4):
    for start in range(0, len(data), size):
        yield data[start : start + size]


def shelves(names):
    for name in names:
        yield name


async def download(request):
    return StreamingHttpResponse(chunks(NOTES))


async def listing(request):
    return StreamingHttpResponse(shelves(SHELVES))
"""
    safety, fixed = _fixes(code, "ADJ511")
    assert safety == [Safety.UNSAFE, None]
    assert fixed == code.replace("\ndef chunks", "\nasync def chunks")
    rebound = code + '\n\ndef reload():\n    global NOTES\n    NOTES = open("notes.txt", "rb")\n'
    assert _fixes(rebound, "ADJ511")[0] == [None, None]
    elsewhere = {"admin_notes.py": "import snippet\n\nsnippet.NOTES = None\n"}
    found = lint_snippet(code, select=("ADJ511",), extra_files=elsewhere)
    assert [d.fix for d in found] == [None, None]
