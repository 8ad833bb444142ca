"""ADJ504: `get_object_or_404()` / `get_list_or_404()` called on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import callee_name
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Rule, Severity


class Sync404Shortcut(Rule):
    code = "ADJ504"
    name = "sync-404-shortcut"
    severity = Severity.ERROR
    summary = "`get_object_or_404()` or `get_list_or_404()` is called in async code."
    why = (
        "Both shortcuts run their query before they return, so on the event loop they raise "
        "`SynchronousOnlyOperation`. Django 5.0 added `aget_object_or_404()` and "
        "`aget_list_or_404()`."
    )
    django_versions = "4.1 to 6.1"
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
        )
