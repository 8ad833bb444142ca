"""ADJ104: `await` on a QuerySet, a Manager or a row iterator, none of which is awaitable."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.values import Manager, QuerySet, RowIterator
from asyncdj_lint.fixes import Fix, FixAvailability, Replace, Safety
from asyncdj_lint.rules._fixes import can_await
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity


class AwaitLazyQuerySet(Rule):
    code = "ADJ104"
    name = "await-lazy-queryset"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A QuerySet, Manager or `aiterator()` is awaited; none of them is awaitable."
    why = (
        "Building a QuerySet (`filter()`, `values()`, `order_by()`, ...) runs no SQL and "
        "returns a QuerySet, not a coroutine: `await` on it raises `TypeError: object "
        "QuerySet can't be used in 'await' expression`. Fetch rows with `async for` or a "
        "comprehension, or await one of the async methods (`aget()`, `acount()`, ...)."
    )
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The `await` is replaced by a list of the rows fetched with an async comprehension "
        "(`await queryset.values()` becomes `[x async for x in queryset.values()]`; a Manager is "
        "iterated through `.all()`, an `aiterator()` as it is): the fix is safe, it fetches what "
        "the code meant to wait for, where it raised TypeError. An awaited sync `iterator()` has no "
        "fix, nor an `await` in a comprehension or a lambda."
    )
    invalid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_prices(request):
    queryset = Product.objects.filter(available=True)
    results = await queryset.values("name", "price")
    return JsonResponse({"results": list(results)})
""",
            Outcome(exception="builtins.TypeError", message="QuerySet can't be used in 'await' expression"),
            expected=(
                Expected(
                    "7:15-7:53",
                    '`await queryset.values("name", "price")` raises TypeError: a QuerySet is not awaitable (building it runs no query); use `[x async for x in queryset.values("name", "price")]` or an async method such as `acount()`',
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Product


async def product_prices(request):
    queryset = Product.objects.filter(available=True)
    results = [x async for x in queryset.values("name", "price")]
    return JsonResponse({"results": list(results)})
""",
        ),
    )
    valid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_prices(request):
    queryset = Product.objects.filter(available=True)
    results = [row async for row in queryset.values("name", "price")]
    return JsonResponse({"results": results})
"""
        ),
    )

    def visit_Await(self, node: cst.Await) -> None:
        value = self.ctx.infer(node.expression)
        text = self.ctx.snippet(node.expression)
        if isinstance(value, (QuerySet, Manager)):
            kind = type(value).__name__
            # A Manager has no __aiter__: `async for` needs its `all()`.
            rows = f"{text}.all()" if isinstance(value, Manager) else text
            self.report(
                node,
                f"`await {text}` raises TypeError: a {kind} is not awaitable (building it runs no "
                f"query); use `[x async for x in {rows}]` or an async method such as `acount()`",
                fix=self._fix(node, ".all()" if isinstance(value, Manager) else ""),
            )
        elif isinstance(value, RowIterator):
            advice = text if value.is_async else "QuerySet.aiterator()"
            self.report(
                node,
                f"`await {text}` raises TypeError: an iterator of rows is not awaitable; "
                f"use `async for x in {advice}`",
                fix=self._fix(node, "") if value.is_async else None,
            )

    def _fix(self, node: cst.Await, suffix: str) -> Fix | None:
        """`await rows` -> `[x async for x in rows]`; a Manager has no `__aiter__`, its `all()` has."""
        if not can_await(self.ctx):
            return None
        rows = self.ctx.module.code_for_node(node.expression) + suffix
        return Fix(
            "Fetch the rows with `async for`", Safety.SAFE, (Replace(node, f"[x async for x in {rows}]"),)
        )
