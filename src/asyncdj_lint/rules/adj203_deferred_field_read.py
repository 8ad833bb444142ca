"""ADJ203: a field left out by only()/defer() read in async code."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.loading import deferred_field
from asyncdj_lint.analysis.values import Instance
from asyncdj_lint.fixes import Fix, FixAvailability, InsertAfter, Replace, Safety
from asyncdj_lint.rules._fixes import producing_query
from asyncdj_lint.rules._relations import is_write_target
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class DeferredFieldRead(Rule):
    code = "ADJ203"
    name = "deferred-field-read"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "A field that `only()` or `defer()` left out is read in async code."
    why = (
        "`only()` and `defer()` leave fields out of the query; reading one of them later "
        "loads it with `refresh_from_db()`, a query that raises `SynchronousOnlyOperation` "
        "on the event loop. Name every field the async code reads in `only()`, or stop "
        "deferring it."
    )
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The fix loads the field with the row: it is added to the `only()` call of the query that "
        'produced the instance (`only("name")` -> `only("name", "price")`), or its name is removed '
        'from the `defer()` call (`.defer("price")` goes when it was the only one). Taking the field '
        "out of `only()` would defer it further, and `defer(None)` would load every deferred field. "
        "The query is found as ADJ201's fix finds it: bound once in the function, by `await "
        "<query>.aget(...)` (and relatives) or `async for`, with one `only()` or the `defer()` that "
        "names the field written in the query itself. The fix is unsafe: the query now loads a "
        "column it left out on purpose (a large text or binary field)."
    )
    invalid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_price(request, pk):
    product = await Product.objects.only("name").aget(pk=pk)
    return JsonResponse({"name": product.name, "price": str(product.price)})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:61-7:74",
                    '`product.price` was left out of the query by only()/defer(): reading it runs a query on the event loop and raises SynchronousOnlyOperation; include "price" in only() or stop deferring it',
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Product


async def product_price(request, pk):
    product = await Product.objects.only("name", "price").aget(pk=pk)
    return JsonResponse({"name": product.name, "price": str(product.price)})
""",
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_prices(request):
    prices = []
    async for product in Product.objects.defer("price").filter(available=True):
        prices.append(str(product.price))
    return JsonResponse({"prices": prices})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "8:27-8:40",
                    '`product.price` was left out of the query by only()/defer(): reading it runs a query on the event loop and raises SynchronousOnlyOperation; include "price" in only() or stop deferring it',
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Product


async def product_prices(request):
    prices = []
    async for product in Product.objects.filter(available=True):
        prices.append(str(product.price))
    return JsonResponse({"prices": prices})
""",
        ),
    )
    valid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_price(request, pk):
    product = await Product.objects.only("name", "price").aget(pk=pk)
    return JsonResponse({"id": product.pk, "name": product.name, "price": str(product.price)})
"""
        ),
    )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self.ctx.on_loop or is_write_target(self.ctx, node):
            return
        owner = self.ctx.infer(node.value)
        if not isinstance(owner, Instance):
            return
        field = deferred_field(self.ctx.index, owner, node.attr.value)
        if field is None:
            return
        self.report(
            node,
            f"`{self.ctx.snippet(node)}` was left out of the query by only()/defer(): reading it "
            f"runs a query on the event loop and raises SynchronousOnlyOperation; include "
            f'"{field}" in only() or stop deferring it',
            fix=self._fix(node.value, field),
        )

    def _fix(self, instance: cst.BaseExpression, field: str) -> Fix | None:
        """`field` added to the query's one `only()`, or taken out of the `defer()` that names it."""
        query = producing_query(self.ctx, instance)
        if query is None:
            return None
        calls = _chain_calls(query)
        only = [call for name, call in calls if name == "only"]
        defer = [call for name, call in calls if name == "defer"]
        if len(only) == 1 and not defer and only[0].args:
            edit = InsertAfter(only[0].args[-1].value, f', "{field}"')
            return Fix(f'Add "{field}" to `only()`', Safety.UNSAFE, (edit,))
        if only:
            return None
        for call in defer:
            kept = [arg for arg in call.args if _string(arg.value) != field]
            if len(kept) == len(call.args) or any(arg.keyword or arg.star for arg in call.args):
                continue
            assert isinstance(call.func, cst.Attribute)
            if kept:
                kept[-1] = kept[-1].with_changes(comma=call.args[-1].comma)
                text = self.ctx.module.code_for_node(call.with_changes(args=kept))
            else:
                text = self.ctx.module.code_for_node(call.func.value)
            return Fix(f'Stop deferring "{field}"', Safety.UNSAFE, (Replace(call, text),))
        return None


def _chain_calls(query: cst.BaseExpression) -> list[tuple[str, cst.Call]]:
    """The method calls of a query written as one chain (`Model.objects.only(...).filter(...)`)."""
    calls: list[tuple[str, cst.Call]] = []
    expr = query
    while isinstance(expr, (cst.Call, cst.Attribute)):
        if isinstance(expr, cst.Call):
            if not isinstance(expr.func, cst.Attribute):
                break
            calls.append((expr.func.attr.value, expr))
            expr = expr.func.value
        else:
            expr = expr.value
    return calls


def _string(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None
