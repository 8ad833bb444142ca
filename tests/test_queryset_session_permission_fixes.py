"""Fixes of QuerySet evaluation (ADJ102), session access (ADJ502) and permission checks (ADJ503):
what each form becomes, and where no fix is offered."""

from __future__ import annotations

import pytest

from asyncdj_lint.fixes import Safety, apply_fixes
from tests.helpers import lint_snippet

VIEW = """\
from shop.models import Product, ProductQuerySet


async def view(request, pk):
    products = Product.objects.filter(pk__gte=pk)
{body}
"""


def _fix(body: str, select: str = "ADJ102", **options: object) -> tuple[list[Safety | None], str]:
    code = VIEW.format(body=body)
    found = [d for d in lint_snippet(code, select=(select,), **options) if d.code == select]  # type: ignore[arg-type]
    assert found, "the rule reports the code"
    fixes = [d.fix for d in found if d.fix is not None]
    result = apply_fixes(code, fixes)
    assert (result.remaining, result.dropped) == ((), ())
    return [d.fix.safety if d.fix is not None else None for d in found], result.source


@pytest.mark.parametrize(
    ("body", "fixed", "safety"),
    [
        ("    return bool(products)", "    return await products.aexists()", Safety.UNSAFE),
        ("    while not products:\n        pass", "    while not await products.aexists():\n", Safety.UNSAFE),
        (
            "    return len(products).bit_length()",
            "    return (await products.acount()).bit_length()",
            Safety.UNSAFE,
        ),
        ("    assert products or pk", "    assert await products.aexists() or pk", Safety.UNSAFE),
        ("    return set(products)", "    return {x async for x in products}", Safety.SAFE),
        ("    return tuple(products)", "    return tuple([x async for x in products])", Safety.SAFE),
        (
            "    return sorted(products, key=str)",
            "    return sorted([x async for x in products], key=str)",
            Safety.SAFE,
        ),
        ("    return any(products)", "    return any([x async for x in products])", Safety.SAFE),
        (
            "    return {p.pk: p for p in products}",
            "    return {p.pk: p async for p in products}",
            Safety.SAFE,
        ),
        ("    first, second = products", "    first, second = [x async for x in products]", Safety.SAFE),
        ("    return pk in products", "    return pk in [x async for x in products]", Safety.SAFE),
        ("    return products[0]", "    return [x async for x in products[:1]][0]", Safety.SAFE),
        ("    return products[3].name", "    return [x async for x in products[3:4]][0].name", Safety.SAFE),
        # The row name stays clear of the names the statement uses.
        (
            "    x = pk\n    return x in products",
            "    return x in [row async for row in products]",
            Safety.SAFE,
        ),
        (
            "    x = 1\n    return list(Product.objects.filter(pk=x))",
            "    x = 1\n    return [row async for row in Product.objects.filter(pk=x)]",
            Safety.SAFE,
        ),
    ],
)
def test_each_form_of_evaluation_gets_its_async_form(body: str, fixed: str, safety: Safety) -> None:
    safeties, source = _fix(body)
    assert safeties == [safety]
    assert fixed in source


def test_an_operand_that_is_not_an_atom_is_parenthesized_as_the_receiver() -> None:
    code = """\
from asgiref.sync import sync_to_async
from shop.models import Product


def available():
    return Product.objects.filter(available=True)


async def view(request):
    return bool(await sync_to_async(available)())
"""
    (finding,) = lint_snippet(code, select=("ADJ102",))
    assert finding.fix is not None
    fixed = apply_fixes(code, [finding.fix]).source
    assert "    return await (await sync_to_async(available)()).aexists()\n" in fixed


@pytest.mark.parametrize(
    "body",
    [
        # A generator expression would become an async generator.
        "    return sum(p.pk for p in products)",
        # No `await` in a lambda, nor in a comprehension nested in another one.
        "    return sorted([1, 2], key=lambda n: [p for p in products])",
        "    return [[p for p in products] for _ in range(2)]",
        "    return [bool(products) for _ in range(2)]",
        # A list does not print or format as a QuerySet does.
        "    print(products)",
        "    return str(products)",
        "    return f'{products}'",
        # Django's own error for a negative index, and an index only known at run time.
        "    return products[pk]",
    ],
)
def test_no_fix_where_the_async_form_cannot_be_written_or_would_differ(body: str) -> None:
    found = lint_snippet(VIEW.format(body=body), select=("ADJ102",))
    assert [d.code for d in found] and [d.fix for d in found] == [None] * len(found)


def test_a_sync_function_nested_in_the_view_has_no_finding_to_fix() -> None:
    body = "    def load():\n        return [p for p in products]\n    return load"
    assert lint_snippet(VIEW.format(body=body), select=("ADJ102",)) == []


def test_a_queryset_class_that_overrides_the_method_a_fix_relies_on_is_left_alone() -> None:
    models = """\
from django.db import models


class CountingQuerySet(models.QuerySet):
    def count(self):
        return 0

    def __iter__(self):
        return iter(())


class Widget(models.Model):
    objects = CountingQuerySet.as_manager()
"""
    code = """\
from shop.widgets import Widget


async def view(request):
    widgets = Widget.objects.all()
    return len(widgets), bool(widgets), [w for w in widgets]
"""
    found = lint_snippet(code, select=("ADJ102",), extra_files={"shop/widgets.py": models})
    assert [d.code for d in found] == ["ADJ102"] * 3
    assert [d.fix is not None for d in found] == [False, True, False]


def test_no_fix_before_django_4_1_which_has_no_async_queryset() -> None:
    found = lint_snippet(
        VIEW.format(body="    return len(products)"), select=("ADJ102",), target_django=(4, 0)
    )
    assert [(d.code, d.fix) for d in found] == [("ADJ102", None)]


def test_a_name_that_may_be_none_keeps_its_none_check_under_not() -> None:
    body = "    if pk:\n        products = None\n    if not products:\n        return 0"
    safeties, source = _fix(body)
    assert safeties == [Safety.UNSAFE]
    assert "    if not (products is not None and await products.aexists()):\n" in source


SESSION_VIEW = """\
from django.http import HttpResponse


async def view(request, pk):
{body}
    return HttpResponse(status=204)
"""


@pytest.mark.parametrize(
    ("body", "modern", "legacy"),
    [
        (
            '    request.session["cart"] = [pk]  # keep me',
            '    await request.session.aset("cart", [pk])  # keep me',
            '    await sync_to_async(request.session.update)({"cart": [pk]})  # keep me',
        ),
        (
            "    del request.session[pk]",
            "    await request.session.apop(pk)",
            "    await sync_to_async(request.session.pop)(pk)",
        ),
        (
            '    if "cart" not in request.session:\n        pass',
            '    if not await request.session.ahas_key("cart"):',
            '    if not await sync_to_async(request.session.has_key)("cart"):',
        ),
        (
            "    request.session.flush()",
            "    await request.session.aflush()",
            "    await sync_to_async(request.session.flush)()",
        ),
    ],
)
def test_session_forms_await_their_twin_from_5_1_and_run_in_a_thread_before(
    body: str, modern: str, legacy: str
) -> None:
    code = SESSION_VIEW.format(body=body)
    for target, safety, fixed in (((5, 1), Safety.SAFE, modern), ((4, 2), Safety.UNSAFE, legacy)):
        (finding,) = lint_snippet(code, select=("ADJ502",), target_django=target)
        assert finding.fix is not None and finding.fix.safety is safety
        source = apply_fixes(code, [finding.fix]).source
        assert fixed in source
        assert ("from asgiref.sync import sync_to_async\n" in source) is (safety is Safety.UNSAFE)


@pytest.mark.parametrize(
    "body",
    [
        '    return HttpResponse(request.session["cart"])',  # aget() would return None, [] raises KeyError
        '    request.session["visits"] += 1',
        '    request.session["a"] = request.session["b"] = pk',
        "    request.session[str(pk)] = pk",  # the key would be evaluated before the value
        '    del request.session["a"], request.session["b"]',
        '    return "a" in request.session in [True]',
        '    return [request.session.get("cart") for _ in range(2)]',
    ],
)
def test_session_forms_with_no_fix(body: str) -> None:
    for target in ((5, 1), (4, 2)):
        found = lint_snippet(SESSION_VIEW.format(body=body), select=("ADJ502",), target_django=target)
        assert found and all(d.fix is None for d in found), (target, found)


def test_a_session_loaded_in_a_thread_leaves_its_items_on_the_loop_unreported() -> None:
    body = (
        '    cart = await sync_to_async(request.session.get)("cart", [])\n'
        '    request.session["cart"] = [*cart, pk]\n'
        "    request.session.save()"
    )
    code = "from asgiref.sync import sync_to_async\n" + SESSION_VIEW.format(body=body)
    found = lint_snippet(code, select=("ADJ502",), target_django=(4, 2))
    assert [(d.line, d.message.split(" loads")[0]) for d in found] == [(8, "`request.session.save()`")]


PERMISSION_VIEW = """\
from django.http import HttpResponse


async def view(request, pk):
{body}
"""


def _fixed_rounds(code: str, select: tuple[str, ...], target: tuple[int, int]) -> str:
    """The code once the fixes of `select` are applied round after round, as the fixer does."""
    for _ in range(5):
        found = lint_snippet(code, select=select, target_django=target)
        fixes = [d.fix for d in found if d.fix is not None]
        if not fixes:
            return code
        code = apply_fixes(code, fixes).source
    raise AssertionError("the fixes do not settle")


def test_a_name_bound_to_request_user_is_loaded_then_checked_with_the_twin() -> None:
    body = (
        "    user = request.user\n"
        '    if not user.has_perm("shop.view_order") or not user.has_perms(["a"]):\n'
        "        return HttpResponse(user.username)\n"
        '    return HttpResponse("ok")'
    )
    fixed = _fixed_rounds(PERMISSION_VIEW.format(body=body), ("ADJ501", "ADJ503"), (5, 2))
    assert fixed == PERMISSION_VIEW.format(
        body=(
            "    user = await request.auser()\n"
            '    if not await user.ahas_perm("shop.view_order") or not await user.ahas_perms(["a"]):\n'
            "        return HttpResponse(user.username)\n"
            '    return HttpResponse("ok")'
        )
    )


def test_request_user_checked_first_then_read_composes_with_the_user_loading_fix() -> None:
    body = (
        '    if request.user.has_perm("x"):\n        return HttpResponse(request.user.username)\n    return 1'
    )
    fixed = _fixed_rounds(PERMISSION_VIEW.format(body=body), ("ADJ501", "ADJ503"), (5, 2))
    assert (
        '    if await (await request.auser()).ahas_perm("x"):\n        return HttpResponse(user.username)\n'
        in fixed
    )
    # Before 5.2 the check loads the user in the thread: the later read finds it loaded.
    fixed = _fixed_rounds(PERMISSION_VIEW.format(body=body), ("ADJ501", "ADJ503"), (4, 2))
    assert (
        '    if await sync_to_async(lambda: request.user.has_perm("x"))():\n'
        "        return HttpResponse(request.user.username)\n"
    ) in fixed


def test_a_name_with_other_bindings_runs_the_check_in_a_thread_even_with_the_twin() -> None:
    body = '    user = request.user\n    if pk:\n        user = request.user\n    return user.has_perm("x")'
    (finding,) = lint_snippet(PERMISSION_VIEW.format(body=body), select=("ADJ503",), target_django=(5, 2))
    assert finding.fix is not None and finding.fix.safety is Safety.UNSAFE
    fixed = apply_fixes(PERMISSION_VIEW.format(body=body), [finding.fix]).source
    assert '    return await sync_to_async(lambda: user.has_perm("x"))()\n' in fixed


@pytest.mark.parametrize(
    "body",
    [
        # A lambda cannot hold `await`, and `:=` would bind in the lambda.
        "    return request.user.has_perm(await request.session.aget('perm'))",
        "    return request.user.has_perm(perm := 'x'), perm",
        # No `await` in a comprehension.
        "    return [request.user.has_perm(p) for p in ('a', 'b')]",
    ],
)
def test_permission_checks_on_request_user_with_no_fix_before_5_2(body: str) -> None:
    found = lint_snippet(PERMISSION_VIEW.format(body=body), select=("ADJ503",), target_django=(4, 2))
    assert [(d.code, d.fix) for d in found] == [("ADJ503", None)]


def test_a_function_that_logs_in_keeps_the_lazy_user_and_checks_in_a_thread() -> None:
    # `auser()` caches the user it loads: loaded before the login, it would be the anonymous one.
    code = """\
from django.contrib.auth import alogin
from django.http import HttpResponse


async def view(request, member):
    user = request.user
    await alogin(request, member)
    return HttpResponse(user.has_perm("x"))
"""
    (finding,) = lint_snippet(code, select=("ADJ503",), target_django=(5, 2))
    assert finding.fix is not None and finding.fix.safety is Safety.UNSAFE
    fixed = apply_fixes(code, [finding.fix]).source
    assert "    user = request.user\n" in fixed
    assert '    return HttpResponse(await sync_to_async(lambda: user.has_perm("x"))())\n' in fixed
