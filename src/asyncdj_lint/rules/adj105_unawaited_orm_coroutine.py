"""ADJ105: an async ORM call whose coroutine is never awaited, so its work never happens."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.values import Coroutine
from asyncdj_lint.fixes import Fix, FixAvailability, InsertBefore, Safety
from asyncdj_lint.rules._coroutines import coroutine_consumed
from asyncdj_lint.rules._fixes import can_await
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity


class UnawaitedOrmCoroutine(Rule):
    code = "ADJ105"
    name = "unawaited-orm-coroutine"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "An async ORM call (`asave()`, `acreate()`, `aget()`, ...) is never awaited."
    why = (
        "Calling an async method only creates a coroutine; nothing runs until it is "
        "awaited. `product.asave()` on its own line silently loses the write: Python "
        "at best prints `RuntimeWarning: coroutine ... was never awaited` when the "
        "coroutine is garbage collected, and `obj = Model.objects.aget(...)` leaves a "
        "coroutine where the code expects an instance."
    )
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "`await` is written before the call (`product.asave()` becomes `await product.asave()`): "
        "the fix is safe, it runs the work the code asked for, which was silently lost. No fix is "
        "offered where `await` cannot be written (in a comprehension or a lambda)."
    )
    invalid = (
        Example(
            """\
from django.http import HttpResponse
from shop.models import Product


async def rename(request, pk):
    product = await Product.objects.aget(pk=pk)
    product.name = "Renamed"
    product.asave()
    return HttpResponse(status=200)
""",
            Outcome(warning="RuntimeWarning", warning_message="was never awaited"),
            expected=(
                Expected(
                    "8:5-8:20",
                    "`product.asave()` creates a coroutine that is never awaited, so `asave()` never runs; write `await product.asave()`",
                ),
            ),
            fixed="""\
from django.http import HttpResponse
from shop.models import Product


async def rename(request, pk):
    product = await Product.objects.aget(pk=pk)
    product.name = "Renamed"
    await product.asave()
    return HttpResponse(status=200)
""",
        ),
    )
    valid = (
        Example(
            """\
import asyncio

from django.http import HttpResponse
from shop.models import Product


async def rename(request, pk):
    product = await Product.objects.aget(pk=pk)
    product.name = "Renamed"
    pending = product.asave()
    await asyncio.gather(pending, Product.objects.acount())
    return HttpResponse(status=200)
"""
        ),
    )

    def visit_Expr(self, node: cst.Expr) -> None:
        value = self._coroutine(node.value)
        if value is not None:
            self._report(node.value, value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        value = self._coroutine(node.value)
        function = self.ctx.scope.function_node
        if not isinstance(value, Coroutine) or function is None:
            return
        name = node.targets[0].target.value
        if not coroutine_consumed(function, name):
            self._report(node.value, value)

    def _coroutine(self, expr: cst.BaseExpression) -> Coroutine | None:
        """The ORM coroutine `expr` creates; Django names every async method `a...`."""
        if not isinstance(expr, cst.Call):
            return None
        func = expr.func.attr if isinstance(expr.func, cst.Attribute) else expr.func
        if not (isinstance(func, cst.Name) and func.value.startswith("a")):
            return None
        value = self.ctx.infer(expr)
        return value if isinstance(value, Coroutine) else None

    def _report(self, call: cst.BaseExpression, value: Coroutine) -> None:
        text = self.ctx.snippet(call)
        # The call is a statement or the value of an assignment: never an operand needing parentheses.
        fix = (
            Fix("Add `await`", Safety.SAFE, (InsertBefore(call, "await "),)) if can_await(self.ctx) else None
        )
        self.report(
            call,
            f"`{text}` creates a coroutine that is never awaited, so `{value.api}()` never "
            f"runs; write `await {text}`",
            fix=fix,
        )
