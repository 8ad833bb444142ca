"""ADJ203: a field left out by only()/defer() read in async code."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.loading import deferred_field
from asyncdj_lint.analysis.values import Instance
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
        )
