"""ADJ107: `delete()` / `adelete()` called on a Manager, which does not have them."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.values import Manager
from asyncdj_lint.facts import orm_api
from asyncdj_lint.rules._orm import orm_receiver
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity


class QuerySetOnlyMethodOnManager(Rule):
    code = "ADJ107"
    name = "queryset-only-method-on-manager"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "`delete()` or `adelete()` is called on a Manager; only QuerySets have them."
    why = (
        "Django leaves `delete()` and `adelete()` off managers so that deleting every row "
        "takes an explicit `.all()`. `Order.objects.adelete()` raises `AttributeError: "
        "'Manager' object has no attribute 'adelete'` when the line runs, which in async "
        "code is often a path no test takes."
    )
    # Async code is walked anyway; sync code only where the mistake is spelled out.
    requires_text = (b"async", b"objects.delete(")
    invalid = (
        Example(
            """\
from django.http import HttpResponse
from shop.models import Order


async def clear_orders(request):
    await Order.objects.adelete()
    return HttpResponse("cleared")
""",
            Outcome(
                exception="builtins.AttributeError", message="'Manager' object has no attribute 'adelete'"
            ),
            expected=(
                Expected(
                    "6:11-6:34",
                    "`Order.objects.adelete()` raises AttributeError: a Manager has no `adelete()`; use `Order.objects.all().adelete()`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponse
from shop.models import Order


async def clear_orders(request):
    await Order.objects.all().adelete()
    return HttpResponse("cleared")
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not (
            isinstance(node.func, cst.Attribute) and node.func.attr.value in orm_api.QUERYSET_ONLY_METHODS
        ):
            return
        found = orm_receiver(self.ctx, node)
        if found is None:
            return
        receiver, method = found
        if isinstance(receiver, Manager) and method in orm_api.QUERYSET_ONLY_METHODS:
            text = self.ctx.snippet(node.func.value)
            self.report(
                node,
                f"`{text}.{method}()` raises AttributeError: a Manager has no `{method}()`; "
                f"use `{text}.all().{method}()`",
            )
