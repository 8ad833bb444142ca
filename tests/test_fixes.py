"""Fixes as data: resolving a rule's node edits, applying a file's fixes, and the fixes rules offer."""

from __future__ import annotations

import pickle

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.fixes import (
    AddImport,
    Fix,
    InsertAfter,
    InsertBefore,
    RemoveImport,
    Replace,
    ResolvedFix,
    Safety,
    Span,
    TextEdit,
    apply_fixes,
)
from tests.helpers import lint_snippet

SOURCE = """\
from django.shortcuts import get_object_or_404, render


async def view(request):  # the view
    product = get_object_or_404(Product, pk=1)  # keep me
    return render(request, "x.html")
"""


def _edit(line: int, start: int, end: int, text: str) -> TextEdit:
    return TextEdit(Span(line, start, line, end), text)


def _fix(*edits: TextEdit | AddImport | RemoveImport, safety: Safety = Safety.SAFE) -> ResolvedFix:
    return ResolvedFix("title", safety, edits)


def test_node_edits_resolve_to_the_node_span_or_its_ends():
    module = cst.parse_module("x = f(a)\n")
    call = module.body[0].body[0].value
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)

    def span_of(node: cst.CSTNode) -> Span | None:
        found = positions.get(node)
        return (
            None
            if found is None
            else Span(found.start.line, found.start.column, found.end.line, found.end.column)
        )

    fix = Fix("t", Safety.SAFE, (Replace(call, "g()"), InsertBefore(call, "await "), InsertAfter(call, "()")))
    assert fix.resolve(span_of) == ResolvedFix(
        "t",
        Safety.SAFE,
        (
            TextEdit(Span(1, 4, 1, 8), "g()"),
            TextEdit(Span(1, 4, 1, 4), "await "),
            TextEdit(Span(1, 8, 1, 8), "()"),
        ),
    )
    stranger = cst.Name("y")
    assert Fix("t", Safety.SAFE, (Replace(stranger, "z"),)).resolve(span_of) is None


def test_fixes_apply_in_one_round_keeping_comments_and_imports_follow():
    fix = _fix(
        _edit(5, 14, 14, "await "),
        _edit(5, 14, 31, "aget_object_or_404"),
        AddImport("django.shortcuts", "aget_object_or_404"),
        RemoveImport("django.shortcuts", "get_object_or_404"),
    )
    result = apply_fixes(SOURCE, [fix])
    assert result.source == (
        "from django.shortcuts import aget_object_or_404, render\n"
        "\n"
        "\n"
        "async def view(request):  # the view\n"
        "    product = await aget_object_or_404(Product, pk=1)  # keep me\n"
        '    return render(request, "x.html")\n'
    )
    assert (result.applied, result.remaining, result.dropped) == ((fix,), (), ())


def test_an_import_still_used_is_not_removed():
    fix = _fix(RemoveImport("django.shortcuts", "render"), AddImport("django.shortcuts", "render"))
    assert apply_fixes(SOURCE, [fix]).source == SOURCE


def test_overlapping_fixes_wait_for_a_later_round():
    first = _fix(_edit(5, 14, 31, "a"))
    inside = _fix(_edit(5, 20, 22, "b"))
    touching = _fix(_edit(5, 31, 31, "c"))
    later = _fix(_edit(6, 4, 10, "yield"))
    result = apply_fixes(SOURCE, [later, touching, inside, first])
    assert result.applied == (first, later)
    assert result.remaining == (inside, touching)
    assert (
        "product = a(Product, pk=1)" in result.source
        and '    yield render(request, "x.html")' in result.source
    )


def test_a_fix_whose_result_does_not_parse_is_dropped_and_the_others_applied():
    broken = _fix(_edit(5, 4, 11, "product ="))
    good = _fix(_edit(6, 11, 17, "render2"))
    result = apply_fixes(SOURCE, [broken, good])
    assert (result.applied, result.remaining, result.dropped) == ((good,), (), (broken,))
    assert result.source == SOURCE.replace("return render(", "return render2(")


def test_line_endings_are_counted_as_libcst_counts_them():
    source = "a = 1\r\n# a form feed \x0c is no line end\nc = 3\n"
    result = apply_fixes(source, [_fix(_edit(3, 0, 1, "e"))])
    assert result.source == "a = 1\r\n# a form feed \x0c is no line end\ne = 3\n"


def test_a_diagnostic_carries_its_fix_outside_equality_ordering_and_output():
    fix = _fix(_edit(1, 0, 1, "x"))
    plain = Diagnostic("a.py", 1, 1, "ADJ101", "m", "error", 1, 2)
    fixed = Diagnostic("a.py", 1, 1, "ADJ101", "m", "error", 1, 2, fix=fix)
    assert plain == fixed and hash(plain) == hash(fixed) and not plain < fixed
    assert plain.to_dict() == fixed.to_dict() and "fix" not in fixed.to_dict()
    assert pickle.loads(pickle.dumps(fixed)).fix == fix


def _fixed(code: str, select: str, **options: object) -> tuple[list[Safety], str]:
    found = lint_snippet(code, select=(select,), **options)  # type: ignore[arg-type]
    fixes = [d.fix for d in found if d.fix is not None]
    return [fix.safety for fix in fixes], apply_fixes(code, fixes).source


ASYNC_VIEW = """\
from shop.models import Product


async def view(request, pk):
{body}
"""


def test_await_is_parenthesized_where_the_call_was_an_operand():
    code = ASYNC_VIEW.format(body="    return Product.objects.get(pk=pk).name, Product.objects.count() + 1")
    safety, fixed = _fixed(code, "ADJ101")
    assert safety == [Safety.SAFE, Safety.SAFE]
    assert "return (await Product.objects.aget(pk=pk)).name, await Product.objects.acount() + 1" in fixed


def test_no_await_is_written_in_a_lambda_or_a_comprehension():
    body = (
        "    ranked = sorted([1, 2], key=lambda n: Product.objects.count())\n"
        "    counts = [Product.objects.count() for _ in range(2)]\n"
        "    return ranked, counts"
    )
    found = lint_snippet(ASYNC_VIEW.format(body=body), select=("ADJ101",))
    assert [d.code for d in found] == ["ADJ101", "ADJ101"]
    assert [d.fix for d in found] == [None, None]


def test_save_with_positional_arguments_has_no_fix_other_instance_methods_do():
    body = (
        "    product = await Product.objects.aget(pk=pk)\n"
        "    product.save(False)\n"
        "    product.refresh_from_db(fields=['name'])"
    )
    found = lint_snippet(ASYNC_VIEW.format(body=body), select=("ADJ103",))
    assert [d.fix is not None for d in found] == [False, True]
    _, fixed = _fixed(ASYNC_VIEW.format(body=body), "ADJ103")
    assert "    await product.arefresh_from_db(fields=['name'])" in fixed


def test_awaiting_a_manager_fetches_all_its_rows():
    _, fixed = _fixed(ASYNC_VIEW.format(body="    return await Product.objects"), "ADJ104")
    assert "    return [x async for x in Product.objects.all()]" in fixed


SHORTCUT = """\
from django.shortcuts import get_object_or_404{alias}
from shop.models import Product


async def view(request, pk):
    return {name}(Product, pk=pk).name
"""


def test_shortcut_before_django_5_runs_in_a_thread_as_an_unsafe_fix():
    code = SHORTCUT.format(alias="", name="get_object_or_404")
    safety, fixed = _fixed(code, "ADJ504", target_django=(4, 2))
    assert safety == [Safety.UNSAFE]
    assert "    return (await sync_to_async(get_object_or_404)(Product, pk=pk)).name\n" in fixed
    assert "from asgiref.sync import sync_to_async\n" in fixed


def test_shortcut_on_django_5_is_awaited_and_imported():
    safety, fixed = _fixed(
        SHORTCUT.format(alias="", name="get_object_or_404"), "ADJ504", target_django=(5, 0)
    )
    assert safety == [Safety.SAFE]
    assert fixed.startswith("from django.shortcuts import aget_object_or_404\n")
    assert "    return (await aget_object_or_404(Product, pk=pk)).name\n" in fixed


def test_shortcut_imported_under_another_name_has_no_fix():
    code = SHORTCUT.format(alias=" as fetch", name="fetch")
    found = lint_snippet(code, select=("ADJ504",), target_django=(5, 0))
    assert [(d.code, d.fix) for d in found] == [("ADJ504", None)]


AUTH_VIEW = """\
from django.contrib.auth import logout
from django.contrib.auth.models import User


async def view(request, pk):
    member = await User.objects.aget(pk=pk)
    logout(request)
    allowed = member.has_perm("shop.view_product")
    staff = request.user.has_perm("shop.change_product")
    return User.objects.create_user("grace"), allowed, staff
"""


def test_sync_auth_calls_await_their_twins_where_the_target_has_them_else_run_in_a_thread():
    safety, fixed = _fixed(AUTH_VIEW, "ADJ503", target_django=(5, 2))
    # The function logs out: request.user's check keeps the lazy user and runs in a thread.
    assert safety == [Safety.SAFE, Safety.SAFE, Safety.UNSAFE, Safety.SAFE]
    assert fixed.startswith("from django.contrib.auth import alogout\n")
    assert "    await alogout(request)\n" in fixed
    assert '    allowed = await member.ahas_perm("shop.view_product")\n' in fixed
    assert 'staff = await sync_to_async(lambda: request.user.has_perm("shop.change_product"))()' in fixed
    assert '    return await User.objects.acreate_user("grace"), allowed, staff\n' in fixed
    safety, fixed = _fixed(AUTH_VIEW, "ADJ503", target_django=(4, 2))
    assert safety == [Safety.UNSAFE, Safety.UNSAFE, Safety.UNSAFE, Safety.UNSAFE]
    assert 'staff = await sync_to_async(lambda: request.user.has_perm("shop.change_product"))()' in fixed
    assert "    await sync_to_async(logout)(request)\n" in fixed
    assert '    allowed = await sync_to_async(member.has_perm)("shop.view_product")\n' in fixed
    assert '    return await sync_to_async(User.objects.create_user)("grace"), allowed, staff\n' in fixed


def test_bridge_of_a_call_result_is_fixed_only_where_it_is_awaited_or_called_bare():
    code = """\
from asgiref.sync import sync_to_async


def quote(weight):
    return {"price": weight}


async def view(request):
    one = await sync_to_async(quote(1), thread_sensitive=True)
    two = sync_to_async(quote(2))
    return one, await two
"""
    found = lint_snippet(code, select=("ADJ401",))
    assert [d.fix is not None for d in found] == [True, False]
    _, fixed = _fixed(code, "ADJ401")
    assert "    one = await sync_to_async(quote, thread_sensitive=True)(1)\n" in fixed


def test_a_module_import_is_added_and_the_first_import_removed_without_a_blank_top():
    source = "import time\n\nimport os\n\n\nasync def f():\n    time.sleep(1)\n"
    fix = _fix(_edit(7, 4, 14, "await asyncio.sleep"), AddImport("asyncio"), RemoveImport("time"))
    assert apply_fixes(source, [fix]).source == (
        "import os\nimport asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n"
    )


def test_sleep_imported_from_time_is_replaced_and_its_import_dropped():
    code = """\
from time import sleep

from django.http import HttpResponse


async def view(request):
    sleep(0.01)
    return HttpResponse("done")
"""
    safety, fixed = _fixed(code, "ADJ512")
    assert safety == [Safety.SAFE]
    assert "from time import sleep" not in fixed and "    await asyncio.sleep(0.01)\n" in fixed


def test_twins_are_offered_only_where_the_target_django_has_them():
    code = """\
from django.http import JsonResponse


async def cart(request):
    return JsonResponse({"cart": request.session.get("cart", [])})
"""
    # Before 5.1 there is no twin: the call runs in a thread.
    safety, fixed = _fixed(code, "ADJ502", target_django=(5, 0))
    assert safety == [Safety.UNSAFE] and 'await sync_to_async(request.session.get)("cart", [])' in fixed
    safety, fixed = _fixed(code, "ADJ502", target_django=(5, 1))
    assert safety == [Safety.SAFE] and 'await request.session.aget("cart", [])' in fixed


def test_a_for_statement_over_aiterator_becomes_async_for_a_comprehension_has_no_fix():
    body = (
        "    names = [p.name for p in Product.objects.aiterator()]\n"
        "    for product in Product.objects.aiterator():  # each\n"
        "        names.append(product.name)\n"
        "    return names"
    )
    found = lint_snippet(ASYNC_VIEW.format(body=body), select=("ADJ106",))
    assert [d.fix is not None for d in found] == [False, True]
    _, fixed = _fixed(ASYNC_VIEW.format(body=body), "ADJ106")
    assert "    async for product in Product.objects.aiterator():  # each\n" in fixed


def test_middleware_flags_go_after_the_class_docstring_unless_the_class_sets_one():
    code = '''\
class TimingMiddleware:
    """Times requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        return await self.get_response(request)


class FlaggedMiddleware:
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        return await self.get_response(request)
'''
    found = lint_snippet(code, select=("ADJ601",))
    assert [d.fix is not None for d in found] == [True, False]
    _, fixed = _fixed(code, "ADJ601")
    assert fixed.startswith(
        'class TimingMiddleware:\n    """Times requests."""\n\n'
        "    sync_capable = False\n    async_capable = True\n\n    def __init__"
    )


def test_a_call_in_its_own_parentheses_needs_no_more_to_be_awaited():
    _, fixed = _fixed(ASYNC_VIEW.format(body="    return (Product.objects.get(pk=pk)).name"), "ADJ101")
    assert "    return (await Product.objects.aget(pk=pk)).name\n" in fixed


def test_no_import_is_added_over_another_binding_of_the_name():
    code = """\
from django.shortcuts import get_object_or_404
from shop.models import Product


def aget_object_or_404(*args):
    return None


async def view(request, pk):
    return get_object_or_404(Product, pk=pk)
"""
    assert [d.fix for d in lint_snippet(code, select=("ADJ504",), target_django=(5, 0))] == [None]


def test_a_shortcut_called_through_its_module_keeps_the_imports():
    code = """\
from django import shortcuts
from shop.models import Product


async def view(request, pk):
    return shortcuts.get_object_or_404(Product, pk=pk)
"""
    _, fixed = _fixed(code, "ADJ504", target_django=(5, 0))
    assert fixed == code.replace("return shortcuts.get_", "return await shortcuts.aget_")


def test_a_comprehension_clause_is_reported_from_its_for_to_its_iterable_and_noqa_there_silences_it():
    code = """\
from shop.models import Product


async def view(request):
    names = [
        product.name
        async for product in Product.objects
        if product.name
    ]
    return [p.name for p in Product.objects.all()]
"""
    found = lint_snippet(code, select=("ADJ102", "ADJ106"))
    assert [(d.code, d.line, d.column, d.end_line, d.end_column) for d in found] == [
        ("ADJ106", 7, 9, 7, 45),
        ("ADJ102", 10, 20, 10, 50),
    ]
    silenced = code.replace("in Product.objects\n", "in Product.objects  # noqa: ADJ106\n")
    assert [d.code for d in lint_snippet(silenced, select=("ADJ102", "ADJ106"))] == ["ADJ102"]


USER_VIEW = """\
from django.contrib.auth import alogin
from django.http import HttpResponse
from django.views import View


class Profile(View):
    async def get(self, request):
        for _ in range(2):
            if request.user.is_staff:
                return HttpResponse("staff")
        return HttpResponse(request.user.username)
"""


def test_request_user_is_loaded_once_before_the_body_statement_that_reads_it_first():
    safety, fixed = _fixed(USER_VIEW, "ADJ501", target_django=(5, 2))
    assert safety == [Safety.SAFE]
    assert fixed == USER_VIEW.replace(
        "        for _", "        user = await request.auser()\n        for _"
    ).replace("request.user.", "user.")


@pytest.mark.parametrize(
    ("change", "target"),
    [
        (("for _ in", "user = None\n        for _ in"), (5, 2)),  # `user` is taken
        (
            (
                "        return HttpResponse(request.user.username)",
                "        await alogin(request, None)\n        return HttpResponse('')",
            ),
            (5, 2),
        ),
        (
            (
                "        return HttpResponse(request.user.username)",
                "        request.user = None\n        return HttpResponse('')",
            ),
            (5, 2),
        ),
    ],
)
def test_request_user_has_no_fix_where_it_would_change_the_code(change, target):
    code = USER_VIEW.replace(*change)
    assert [d.fix for d in lint_snippet(code, select=("ADJ501",), target_django=target)] == [None]


LOADING_VIEW = """\
from shop.models import Order, Product


async def view(request, pk):
{body}
"""


@pytest.mark.parametrize(
    ("body", "fixed"),
    [
        (
            '    return [order.customer.name async for order in Order.objects.filter(note="")]',
            (
                "    return [order.customer.name async for order in "
                'Order.objects.filter(note="").select_related("customer")]'
            ),
        ),
        (
            '    product = await Product.objects.defer("name", "price").aget(pk=pk)\n    return product.price',
            '    product = await Product.objects.defer("name").aget(pk=pk)\n    return product.price',
        ),
        (
            '    product = await Product.objects.defer("price", "name",).aget(pk=pk)\n    return product.price',
            '    product = await Product.objects.defer("name",).aget(pk=pk)\n    return product.price',
        ),
    ],
)
def test_loading_fixes_edit_the_query_that_produced_the_instance(body: str, fixed: str) -> None:
    code = LOADING_VIEW.format(body=body)
    safety, result = _fixed(code, "ADJ201", target_django=(5, 2))
    if not safety:
        safety, result = _fixed(code, "ADJ203", target_django=(5, 2))
    assert safety == [Safety.UNSAFE]
    assert result == LOADING_VIEW.format(body=fixed)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        # The name is bound twice: which query produced the instance read is not known.
        (
            (
                "    order = await Order.objects.aget(pk=pk)\n"
                "    if pk > 1:\n        order = await Order.objects.alast()\n"
                "    return order.customer.name"
            ),
            "ADJ201",
        ),
        # select_related() cannot traverse a relation only() defers.
        (
            '    order = await Order.objects.only("note").aget(pk=pk)\n    return order.customer.name',
            "ADJ201",
        ),
    ],
)
def test_loading_fixes_are_not_offered_where_the_query_is_not_known(body: str, code: str) -> None:
    found = lint_snippet(LOADING_VIEW.format(body=body), select=(code,))
    assert found and [d.fix for d in found] == [None] * len(found)
