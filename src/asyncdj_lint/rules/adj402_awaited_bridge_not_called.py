"""ADJ402: `await sync_to_async(f)`: the wrapper is awaited instead of called."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.rules._bridges import bridge_name, is_sync_to_async
from asyncdj_lint.rules.base import Example, Outcome, Rule, Severity


class AwaitedBridgeNotCalled(Rule):
    code = "ADJ402"
    name = "awaited-bridge-not-called"
    severity = Severity.ERROR
    summary = "`await sync_to_async(f)` awaits the wrapper without calling it."
    why = (
        "`sync_to_async(f)` returns a wrapper function; only calling it returns something "
        "to await. `await sync_to_async(f)` raises `TypeError: object SyncToAsync can't be "
        "used in 'await' expression` and `f` never runs. Call the wrapper: "
        "`await sync_to_async(f)()`. channels' `database_sync_to_async` is the same."
    )
    django_versions = "all"
    invalid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from shop.models import Product


async def cheapest(request):
    product = await sync_to_async(Product.objects.cheapest)
    return HttpResponse(product.name)
""",
            Outcome(exception="builtins.TypeError", message="can't be used in 'await' expression"),
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from shop.models import Product


async def cheapest(request):
    product = await sync_to_async(Product.objects.cheapest)()
    return HttpResponse(product.name)
"""
        ),
    )

    def visit_Await(self, node: cst.Await) -> None:
        wrapper = node.expression
        if not isinstance(wrapper, cst.Call) or not is_sync_to_async(self.ctx, wrapper):
            return
        text = self.ctx.snippet(wrapper)
        self.report(
            node,
            f"`await {text}` awaits the wrapper {bridge_name(wrapper)} returns instead of calling it: "
            f"TypeError (can't be used in 'await' expression); call it: `await {text}(...)`",
        )
