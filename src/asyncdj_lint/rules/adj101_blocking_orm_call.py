"""ADJ101: a QuerySet or Manager method that runs SQL, called on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.values import Manager
from asyncdj_lint.facts import orm_api
from asyncdj_lint.rules._orm import orm_receiver
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Rule, Severity


class BlockingOrmCall(Rule):
    code = "ADJ101"
    name = "blocking-orm-call"
    severity = Severity.ERROR
    summary = "A QuerySet or Manager method that runs a query is called in async code."
    why = (
        "Methods such as `get()`, `count()`, `create()` or `update()` run SQL before they "
        "return. Django guards its database connections: called on the event loop, they "
        "raise `SynchronousOnlyOperation`, and only on the code path that runs, so tests "
        "that miss the path miss the bug. Each has an async twin (`aget()`, `acount()`, "
        "...) since Django 4.1; `iterator()` has `aiterator()`. A custom manager or "
        "QuerySet method that runs a query has no twin: run it with `sync_to_async`."
    )
    invalid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_detail(request, pk):
    product = Product.objects.get(pk=pk)
    return JsonResponse({"name": product.name})
""",
            RAISES_SYNC_ONLY,
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def cheapest(request):
    product = Product.objects.cheapest()
    return JsonResponse({"name": product.name})
""",
            RAISES_SYNC_ONLY,
        ),
    )
    valid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_detail(request, pk):
    product = await Product.objects.aget(pk=pk)
    return JsonResponse({"name": product.name})
"""
        ),
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from shop.models import Product


async def cheapest(request):
    product = await sync_to_async(Product.objects.cheapest)()
    return JsonResponse({"name": product.name})
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop:
            return
        found = orm_receiver(self.ctx, node)
        if found is None:
            return
        receiver, method = found
        receiver_text = self.ctx.snippet(node.func.value)
        call_text = f"{receiver_text}.{method}()"
        if method in orm_api.BLOCKING_METHODS:
            if method in orm_api.QUERYSET_ONLY_METHODS and isinstance(receiver, Manager):
                return  # Manager.delete does not exist; not a query at all
            advice = f"use `await {receiver_text}.{orm_api.BLOCKING_METHODS[method]}(...)`"
        elif method == "iterator":
            advice = f"use `async for ... in {receiver_text}.aiterator()`"
        else:
            custom = receiver.methods.method(method)
            if custom is None or custom.is_async or custom.returns != "sql":
                return
            advice = f"use `await sync_to_async({receiver_text}.{method})(...)`"
        self.report(
            node,
            f"`{call_text}` runs a database query on the event loop and raises "
            f"SynchronousOnlyOperation; {advice}",
        )
