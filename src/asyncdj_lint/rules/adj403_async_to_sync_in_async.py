"""ADJ403: `async_to_sync(f)(...)` called on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import bound_values
from asyncdj_lint.rules._bridges import is_async_to_sync
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity


class AsyncToSyncInAsync(Rule):
    code = "ADJ403"
    name = "async-to-sync-in-async"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A function wrapped with `async_to_sync` is called in async code."
    why = (
        "`async_to_sync` runs a coroutine by blocking the calling thread until it finishes. "
        "In a thread that already runs an event loop that would deadlock, so asgiref refuses: "
        "`RuntimeError: You cannot use AsyncToSync in the same thread as an async event loop "
        "- just await the async function directly.` Await the coroutine function instead."
    )
    django_versions = "all"
    invalid = (
        Example(
            """\
from asgiref.sync import async_to_sync
from django.http import HttpResponse
from shop.models import Product


async def count_products():
    return await Product.objects.acount()


async def product_count(request):
    count = async_to_sync(count_products)()
    return HttpResponse(count)
""",
            Outcome(
                exception="builtins.RuntimeError", message="You cannot use AsyncToSync in the same thread"
            ),
            expected=(
                Expected(
                    "11:13-11:44",
                    "`async_to_sync(count_products)()` runs async_to_sync on the event loop's thread: RuntimeError (You cannot use AsyncToSync in the same thread as an async event loop); use `await count_products(...)`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponse
from shop.models import Product


async def count_products():
    return await Product.objects.acount()


async def product_count(request):
    count = await count_products()
    return HttpResponse(count)
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop:
            return
        values = bound_values(self.ctx, node.func)
        wrappers = [
            value for value, _ in values if isinstance(value, cst.Call) and is_async_to_sync(self.ctx, value)
        ]
        if not values or len(wrappers) != len(values):
            return
        function = (
            self.ctx.snippet(wrappers[0].args[0].value) if wrappers[0].args else "the coroutine function"
        )
        self.report(
            node,
            f"`{self.ctx.snippet(node)}` runs async_to_sync on the event loop's thread: RuntimeError (You "
            f"cannot use AsyncToSync in the same thread as an async event loop); use `await {function}(...)`",
        )
