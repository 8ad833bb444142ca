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
        "- just await the async function directly.` Await the coroutine function instead. "
        "One call away, in a sync helper that async code calls, it fails the same way: ADJ301 "
        "reports that call with the chain down to `async_to_sync`. A branch that code picks after "
        "checking for a running loop (`except RuntimeError:` around `asyncio.get_running_loop()`, "
        "`if not loop.is_running():`) is left alone."
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
        # The loop check renders enclosing code as text: only for a call that would be reported.
        if not values or len(wrappers) != len(values) or self._chosen_by_a_loop_check():
            return
        function = (
            self.ctx.snippet(wrappers[0].args[0].value) if wrappers[0].args else "the coroutine function"
        )
        self.report(
            node,
            f"`{self.ctx.snippet(node)}` runs async_to_sync on the event loop's thread: RuntimeError (You "
            f"cannot use AsyncToSync in the same thread as an async event loop); use `await {function}(...)`",
        )

    def _chosen_by_a_loop_check(self) -> bool:
        """Whether the call sits in a branch that code checking for a running event loop picks
        (`if loop.is_running(): ... else: async_to_sync(f)()`, or the `except RuntimeError:`
        of `asyncio.get_running_loop()`): such code calls it only where no loop runs."""
        ancestors = self.ctx.ancestors
        for index in range(len(ancestors) - 1, 0, -1):
            node, parent = ancestors[index], ancestors[index - 1]
            if isinstance(node, (cst.FunctionDef, cst.Lambda)):
                return False
            if isinstance(node, (cst.If, cst.IfExp)) and self._mentions_a_loop(node.test):
                return True
            if (
                isinstance(node, cst.ExceptHandler)
                and isinstance(parent, cst.Try)
                and self._mentions_a_loop(parent.body)
            ):
                return True
        return False

    def _mentions_a_loop(self, node: cst.CSTNode) -> bool:
        text = self.ctx.module.code_for_node(node).lower()
        return "loop" in text or "async" in text
