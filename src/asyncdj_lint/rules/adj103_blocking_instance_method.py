"""ADJ103: `save()`, `delete()` or `refresh_from_db()` of a model instance on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.values import Instance
from asyncdj_lint.facts import orm_api
from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._fixes import await_twin
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class BlockingInstanceMethod(Rule):
    code = "ADJ103"
    name = "blocking-instance-method"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "A model instance's `save()`, `delete()` or `refresh_from_db()` is called in async code."
    why = (
        "`save()`, `delete()` and `refresh_from_db()` run SQL. Called on the event loop "
        "they raise `SynchronousOnlyOperation`. Django 4.2 added `asave()`, `adelete()` "
        "and `arefresh_from_db()`. The rule reports instances it can trace: results of "
        "`aget()`, `acreate()`, `async for`, model constructors and annotated parameters."
    )
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The call is replaced by its awaited async twin (`product.save()` becomes "
        "`await product.asave()`, likewise `adelete()` and `arefresh_from_db()`), with the same "
        "arguments: the fix is safe, the twin runs the same queries. `save()` with positional "
        "arguments has no fix (`asave()` takes keywords only since Django 6.0), nor a call where "
        "`await` cannot be written (in a comprehension or a lambda)."
    )
    invalid = (
        Example(
            """\
from django.http import HttpResponse
from shop.models import Product


async def mark_unavailable(request, pk):
    product = await Product.objects.aget(pk=pk)
    product.available = False
    product.save()
    return HttpResponse(status=200)
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "8:5-8:19",
                    "`product.save()` runs a database query on the event loop and raises SynchronousOnlyOperation; use `await product.asave()`",
                ),
            ),
            fixed="""\
from django.http import HttpResponse
from shop.models import Product


async def mark_unavailable(request, pk):
    product = await Product.objects.aget(pk=pk)
    product.available = False
    await product.asave()
    return HttpResponse(status=200)
""",
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponse
from shop.models import Product


async def mark_unavailable(request, pk):
    product = await Product.objects.aget(pk=pk)
    product.available = False
    await product.asave(update_fields=["available"])
    return HttpResponse(status=200)
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop or not isinstance(node.func, cst.Attribute):
            return
        method = node.func.attr.value
        if method not in orm_api.INSTANCE_BLOCKING_METHODS:
            return
        receiver = self.ctx.infer(node.func.value)
        if not isinstance(receiver, Instance):
            return
        text = self.ctx.snippet(node.func.value)
        twin = orm_api.INSTANCE_BLOCKING_METHODS[method]
        positional = any(arg.keyword is None for arg in node.args)
        fix = None if method == "save" and positional else await_twin(self.ctx, node, twin)
        self.report(
            node,
            f"`{text}.{method}()` runs a database query on the event loop and raises "
            f"SynchronousOnlyOperation; use `await {text}.{twin}()`",
            fix=fix,
        )
