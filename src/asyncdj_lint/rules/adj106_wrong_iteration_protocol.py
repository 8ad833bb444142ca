"""ADJ106: `async for` over something without `__aiter__`, or `for` over `aiterator()`."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.values import Manager, RowIterator
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import Fix, FixAvailability, InsertAfter, InsertBefore, Replace, Safety
from asyncdj_lint.rules._fixes import can_await
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity


class WrongIterationProtocol(Rule):
    code = "ADJ106"
    name = "wrong-iteration-protocol"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "`async for` over a Manager or `iterator()`, or a sync `for` over `aiterator()`."
    why = (
        "A QuerySet supports both `for` and `async for` (since Django 4.1), but a Manager "
        "supports neither without `.all()`, `iterator()` returns a plain generator and "
        "`aiterator()` an async generator. Mixing them up raises `TypeError` when the line "
        "runs: `'async for' requires an object with __aiter__ method, got Manager`, "
        "`... got generator`, or `'async_generator' object is not iterable`."
    )
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "`async for` over a Manager iterates its `all()` (`async for o in Order.objects` becomes "
        "`async for o in Order.objects.all()`); `async for` over `qs.iterator()` uses `qs.aiterator()` "
        "when the target Django version is 5.0 or later (before, `aiterator()` fails after "
        "`prefetch_related()`); a `for` statement over `aiterator()` in an `async def` becomes "
        "`async for`. Each fix is safe: it iterates the rows the code meant to, where it raised "
        "TypeError. A sync comprehension over `aiterator()` has no fix."
    )
    invalid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order


async def order_ids(request):
    ids = [order.pk async for order in Order.objects]
    return JsonResponse({"ids": ids})
""",
            Outcome(
                exception="builtins.TypeError",
                message="'async for' requires an object with __aiter__ method, got Manager",
            ),
            expected=(
                Expected(
                    "6:21-6:53",
                    "`async for ... in Order.objects` raises TypeError: a Manager cannot be iterated; use `async for ... in Order.objects.all()`",
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Order


async def order_ids(request):
    ids = [order.pk async for order in Order.objects.all()]
    return JsonResponse({"ids": ids})
""",
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order


async def order_ids(request):
    ids = []
    async for order in Order.objects.iterator():
        ids.append(order.pk)
    return JsonResponse({"ids": ids})
""",
            Outcome(
                exception="builtins.TypeError",
                message="'async for' requires an object with __aiter__ method, got generator",
            ),
            expected=(
                Expected(
                    "7:5-8:29",
                    "`async for ... in Order.objects.iterator()` raises TypeError: `iterator()` returns a sync generator; use `aiterator()`",
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Order


async def order_ids(request):
    ids = []
    async for order in Order.objects.aiterator():
        ids.append(order.pk)
    return JsonResponse({"ids": ids})
""",
        ),
    )
    valid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order


async def order_ids(request):
    ids = [order.pk async for order in Order.objects.all()]
    async for order in Order.objects.aiterator(chunk_size=100):
        ids.append(order.pk)
    return JsonResponse({"ids": ids})
"""
        ),
    )

    def visit_For(self, node: cst.For) -> None:
        self._check(node, node.iter, is_async=node.asynchronous is not None)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._check(node, node.iter, is_async=node.asynchronous is not None)

    def _check(self, node: cst.CSTNode, iterable: cst.BaseExpression, *, is_async: bool) -> None:
        value = self.ctx.infer(iterable)
        text = self.ctx.snippet(iterable)
        if is_async and isinstance(value, Manager):
            fix = None
            if isinstance(iterable, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
                fix = Fix("Iterate `all()`", Safety.SAFE, (InsertAfter(iterable, ".all()"),))
            self.report(
                node,
                f"`async for ... in {text}` raises TypeError: a Manager cannot be iterated; "
                f"use `async for ... in {text}.all()`",
                fix=fix,
            )
        elif isinstance(value, RowIterator) and value.is_async != is_async:
            if is_async:
                problem, advice = "`iterator()` returns a sync generator", "`aiterator()`"
            else:
                problem, advice = (
                    "`aiterator()` returns an async generator",
                    "`async for` (or `iterator()` in sync code)",
                )
            loop = "async for" if is_async else "for"
            self.report(
                node,
                f"`{loop} ... in {text}` raises TypeError: {problem}; use {advice}",
                fix=self._fix(node, iterable, is_async=is_async),
            )

    def _fix(self, node: cst.CSTNode, iterable: cst.BaseExpression, *, is_async: bool) -> Fix | None:
        """`async for` over `iterator()` -> `aiterator()`; a `for` statement over `aiterator()` -> `async for`."""
        if is_async:
            if not (
                isinstance(iterable, cst.Call)
                and isinstance(iterable.func, cst.Attribute)
                and iterable.func.attr.value == "iterator"
                and api.has(self.ctx.options, (5, 0))
            ):
                return None
            return Fix("Use `aiterator()`", Safety.SAFE, (Replace(iterable.func.attr, "aiterator"),))
        if isinstance(node, cst.For) and can_await(self.ctx):
            return Fix("Use `async for`", Safety.SAFE, (InsertBefore(node, "async "),))
        return None
