"""ADJ407: `sync_to_async` around a generator function: its body runs where it is iterated."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import argument
from asyncdj_lint.analysis.project_calls import is_generator, project_function
from asyncdj_lint.rules._bridges import bridge_name, is_sync_to_async
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class BridgedGenerator(Rule):
    code = "ADJ407"
    name = "bridged-generator"
    stable_since = "0.2.0"
    severity = Severity.ERROR
    summary = "`sync_to_async` wraps a generator function, whose body then runs on the event loop."
    why = (
        "Calling a generator function runs none of its body: it only creates the generator. "
        "Through `sync_to_async`, that creation is all the thread does; the body (its "
        "queries, its file reads) runs later, wherever the generator is iterated, and that "
        "is back on the event loop: a query there raises `SynchronousOnlyOperation`, other "
        "blocking work stalls the loop. asgiref cannot tell (asgiref#38). Bridge a function "
        "that returns a list (`list(gen())` inside the thread), or write an async generator "
        "over `async for`."
    )
    django_versions = "4.1 to 6.1"
    requires_text = (b"yield",)
    # The bridge is called by its own name or an import alias of it (`_bridges.is_sync_to_async`).
    also_requires_text = (b"sync_to_async", b"SyncToAsync")
    invalid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from shop.models import Product


def product_names():
    for product in Product.objects.all():
        yield product.name


async def names(request):
    found = await sync_to_async(product_names)()
    return JsonResponse({"names": list(found)})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "12:19-12:47",
                    "`product_names` is a generator function: `sync_to_async` runs only its creation in the thread, and its body runs where the generator is iterated, on the event loop; bridge a function that returns a list (`list(product_names(...))` inside it), or write an async generator",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from shop.models import Product


def product_names():
    for product in Product.objects.all():
        yield product.name


def all_product_names():
    return list(product_names())


async def names(request):
    found = await sync_to_async(all_product_names)()
    return JsonResponse({"names": found})
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not is_sync_to_async(self.ctx, node):
            return
        wrapped = argument(node, 0, "func")
        ref = project_function(self.ctx.index, self.ctx.infer(wrapped)) if wrapped is not None else None
        if ref is None or ref.decl.is_async or not is_generator(self.ctx.project, ref):
            return
        name = ref.decl.key
        self.report(
            node,
            f"`{name}` is a generator function: `{bridge_name(node)}` runs only its creation in the thread, and "
            f"its body runs where the generator is iterated, on the event loop; bridge a function that returns "
            f"a list (`list({name}(...))` inside it), or write an async generator",
        )
