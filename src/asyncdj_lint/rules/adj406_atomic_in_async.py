"""ADJ406: `transaction.atomic` used in or on async code."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import callee_name
from asyncdj_lint.analysis.values import Symbol
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Outcome, Rule, Severity

ATOMIC = "django.db.transaction.atomic"
_ADVICE = (
    "Django has no async transactions (through 6.1): put the transaction in a sync function "
    "decorated with `@transaction.atomic` and `await sync_to_async(that_function)()`"
)


class AtomicInAsync(Rule):
    code = "ADJ406"
    name = "atomic-in-async"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "`transaction.atomic` is used inside, or as a decorator of, async code."
    why = (
        "Transactions are sync only, through Django 6.1. `with transaction.atomic():` in "
        "async code opens the transaction on the event loop and raises "
        "`SynchronousOnlyOperation`; `async with` raises `TypeError`. As a decorator of an "
        "`async def`, `atomic` wraps only the creation of the coroutine: its wrapper is a "
        "sync function, so Django serves a decorated view as a sync one and fails with "
        "`ValueError: ... It returned an unawaited coroutine instead`, and no transaction "
        "ever covers the coroutine's queries. Hold the transaction in one sync function and "
        "run it with `sync_to_async`."
    )
    django_versions = "4.1 to 6.1"
    invalid = (
        Example(
            """\
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product


async def restock(request, pk):
    with transaction.atomic():
        await Product.objects.filter(pk=pk).aupdate(available=True)
    return HttpResponse("restocked")
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:10-7:30",
                    "`transaction.atomic()` in async code opens the transaction on the event loop and raises SynchronousOnlyOperation; Django has no async transactions (through 6.1): put the transaction in a sync function decorated with `@transaction.atomic` and `await sync_to_async(that_function)()`",
                ),
            ),
        ),
        Example(
            """\
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product


@transaction.atomic
async def restock(request, pk):
    await Product.objects.filter(pk=pk).aupdate(available=True)
    return HttpResponse("restocked")
""",
            Outcome(
                exception="builtins.ValueError",
                message="It returned an unawaited coroutine instead",
                warning="RuntimeWarning",
                warning_message="was never awaited",
            ),
            expected=(
                Expected(
                    "6:1-6:20",
                    "`@transaction.atomic` cannot wrap an `async def`: its wrapper is sync, so no transaction covers the coroutine (and Django serves a decorated view as a sync view that returns an unawaited coroutine: ValueError); Django has no async transactions (through 6.1): put the transaction in a sync function decorated with `@transaction.atomic` and `await sync_to_async(that_function)()`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product


@transaction.atomic
def mark_available(pk):
    Product.objects.filter(pk=pk).update(available=True)


async def restock(request, pk):
    await sync_to_async(mark_available)(pk)
    return HttpResponse("restocked")
"""
        ),
    )

    def visit_With(self, node: cst.With) -> None:
        if not self.ctx.on_loop:
            return
        for item in node.items:
            if not self._is_atomic(item.item):
                continue
            if node.asynchronous is not None:
                failure = "raises TypeError: `Atomic` is not an async context manager"
            else:
                failure = "opens the transaction on the event loop and raises SynchronousOnlyOperation"
            self.report(item, f"`{self.ctx.snippet(item.item)}` in async code {failure}; {_ADVICE}")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        for decorator in node.decorators:
            if self._is_atomic(decorator.decorator):
                self.report(
                    decorator,
                    f"`@{self.ctx.snippet(decorator.decorator)}` cannot wrap an `async def`: its wrapper is sync, "
                    "so no transaction covers the coroutine (and Django serves a decorated view as a sync view "
                    f"that returns an unawaited coroutine: ValueError); {_ADVICE}",
                )

    def _is_atomic(self, expr: cst.BaseExpression) -> bool:
        """`atomic`, `transaction.atomic` or a call of either (`atomic(using="other")`)."""
        if isinstance(expr, cst.Call):
            return callee_name(self.ctx, expr) == ATOMIC
        value = self.ctx.infer(expr)
        return isinstance(value, Symbol) and value.qualname == ATOMIC
