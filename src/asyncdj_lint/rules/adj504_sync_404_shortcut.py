"""ADJ504: `get_object_or_404()` / `get_list_or_404()` called on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import callee_name
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import Fix, FixAvailability
from asyncdj_lint.rules._fixes import await_function_twin, bridge_fix, can_await
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class Sync404Shortcut(Rule):
    code = "ADJ504"
    name = "sync-404-shortcut"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "`get_object_or_404()` or `get_list_or_404()` is called in async code."
    why = (
        "Both shortcuts run their query before they return, so on the event loop they raise "
        "`SynchronousOnlyOperation`. Django 5.0 added `aget_object_or_404()` and "
        "`aget_list_or_404()`."
    )
    django_versions = "4.1 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "When the target Django version has the async shortcut (5.0+), the call is replaced by its "
        "awaited twin (`get_object_or_404(Product, pk=pk)` becomes "
        "`await aget_object_or_404(Product, pk=pk)`), importing it from `django.shortcuts` and "
        "removing the import of the sync one once unused: the fix is safe, the twin runs the same "
        "query. For an older target the call runs through `await sync_to_async(get_object_or_404)(...)`: "
        "that fix is unsafe, as it moves the work into a thread. A shortcut imported under another "
        "name, or called where `await` cannot be written, has no fix."
    )
    invalid = (
        Example(
            """\
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from shop.models import Product


async def product_detail(request, pk):
    product = get_object_or_404(Product, pk=pk)
    return HttpResponse(product.name)
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:15-7:48",
                    "`get_object_or_404()` runs a database query on the event loop and raises SynchronousOnlyOperation; use `await aget_object_or_404(...)`",
                ),
            ),
            fixed="""\
from django.http import HttpResponse
from django.shortcuts import aget_object_or_404
from shop.models import Product


async def product_detail(request, pk):
    product = await aget_object_or_404(Product, pk=pk)
    return HttpResponse(product.name)
""",
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponse
from django.shortcuts import aget_object_or_404
from shop.models import Product


async def product_detail(request, pk):
    product = await aget_object_or_404(Product, pk=pk)
    return HttpResponse(product.name)
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop:
            return
        name = callee_name(self.ctx, node)
        if name not in api.SHORTCUTS:
            return
        function = name.rsplit(".", 1)[1]
        advice = api.advise(
            self.ctx.options,
            api.SHORTCUTS_SINCE,
            f"use `await {api.SHORTCUTS[name]}(...)`",
            f"use `await sync_to_async({function})(...)`",
        )
        self.report(
            node,
            f"`{function}()` runs a database query on the event loop and raises SynchronousOnlyOperation; {advice}",
            fix=self._fix(node, name, function) if can_await(self.ctx) else None,
        )

    def _fix(self, node: cst.Call, name: str, function: str) -> Fix | None:
        if not api.has(self.ctx.options, api.SHORTCUTS_SINCE):
            return bridge_fix(self.ctx, node)
        return await_function_twin(self.ctx, node, name.rsplit(".", 1)[0], function, api.SHORTCUTS[name])
