"""ADJ402: `await sync_to_async(f)`: the wrapper is awaited instead of called."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import Fix, FixAvailability, InsertAfter, Safety
from asyncdj_lint.rules._bridges import bridge_name, is_sync_to_async
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity


class AwaitedBridgeNotCalled(Rule):
    code = "ADJ402"
    name = "awaited-bridge-not-called"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "`await sync_to_async(f)` awaits the wrapper without calling it."
    why = (
        "`sync_to_async(f)` returns a wrapper function; only calling it returns something "
        "to await. `await sync_to_async(f)` raises `TypeError: object SyncToAsync can't be "
        "used in 'await' expression` and `f` never runs. Call the wrapper: "
        "`await sync_to_async(f)()`. channels' `database_sync_to_async` is the same."
    )
    django_versions = "all"
    fix_availability = FixAvailability.ALWAYS
    fix_safety = (
        "The wrapper is called with no arguments (`await sync_to_async(f)` becomes "
        "`await sync_to_async(f)()`): the fix is safe, it runs the function the code meant to run "
        "where it raised TypeError. Add the arguments the function needs by hand."
    )
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
            expected=(
                Expected(
                    "7:15-7:60",
                    "`await sync_to_async(Product.objects.cheapest)` awaits the wrapper sync_to_async returns instead of calling it: TypeError (can't be used in 'await' expression); call it: `await sync_to_async(Product.objects.cheapest)(...)`",
                ),
            ),
            fixed="""\
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from shop.models import Product


async def cheapest(request):
    product = await sync_to_async(Product.objects.cheapest)()
    return HttpResponse(product.name)
""",
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
            fix=Fix("Call the wrapper", Safety.SAFE, (InsertAfter(wrapper, "()"),)),
        )
