"""ADJ404: `sync_to_async` around a call that only builds a lazy QuerySet."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import argument
from asyncdj_lint.analysis.values import ORM_LAZY, QuerySet
from asyncdj_lint.rules._bridges import bridge_name, is_sync_to_async
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity
from asyncdj_lint.syntax.walk import Visitor, walk


class BridgedLazyQuerySet(Rule):
    code = "ADJ404"
    name = "bridged-lazy-queryset"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "`sync_to_async` wraps a QuerySet builder such as `Model.objects.filter`."
    why = (
        "`filter()`, `all()`, `select_related()` and the other builders return a lazy "
        "QuerySet without running a query. Run through `sync_to_async`, the thread does "
        "nothing useful, and the rows are fetched later, wherever the QuerySet is used: "
        "back on the event loop, where iterating it raises `SynchronousOnlyOperation`. "
        "Evaluate it inside the thread (`sync_to_async(list)(qs)`) or iterate it with "
        "`async for`. A result that is only iterated with `async for` works (the wrapper "
        "is merely useless) and is not reported."
    )
    django_versions = "4.1 to 6.1"
    invalid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from shop.models import Product


async def product_names(request):
    products = await sync_to_async(Product.objects.filter)(available=True)
    return HttpResponse(", ".join(product.name for product in products))
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:22-7:59",
                    "`sync_to_async(Product.objects.filter)` returns the QuerySet unevaluated: no query runs in the thread, and iterating the result on the event loop raises SynchronousOnlyOperation; evaluate it in the thread (`await sync_to_async(list)(queryset)`) or use `async for`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from shop.models import Product


async def product_names(request):
    products = await sync_to_async(list)(Product.objects.filter(available=True))
    return HttpResponse(", ".join(product.name for product in products))
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not is_sync_to_async(self.ctx, node):
            return
        wrapped = argument(node, 0, "func")
        if wrapped is None or not self._builds_queryset(wrapped) or self._iterated_asynchronously():
            return
        bridge = bridge_name(node)
        self.report(
            node,
            f"`{self.ctx.snippet(node)}` returns the QuerySet unevaluated: no query runs in the thread, "
            "and iterating the result on the event loop raises SynchronousOnlyOperation; evaluate it in "
            f"the thread (`await {bridge}(list)(queryset)`) or use `async for`",
        )

    def _iterated_asynchronously(self) -> bool:
        """Whether the bridged QuerySet is consumed with `async for`: pointless, but it works.

        Looks at `async for x in await sync_to_async(...)()` and at a name the
        result is assigned to that some `async for` in the function iterates.
        """
        outer, awaited, holder = self.ctx.parent(1), self.ctx.parent(2), self.ctx.parent(3)
        if not (isinstance(outer, cst.Call) and isinstance(awaited, cst.Await)):
            return False
        if isinstance(holder, (cst.For, cst.CompFor)) and holder.iter is awaited:
            return holder.asynchronous is not None
        function = self.ctx.scope.function_node
        if not (isinstance(holder, cst.Assign) and len(holder.targets) == 1 and function is not None):
            return False
        target = holder.targets[0].target
        if not isinstance(target, cst.Name):
            return False
        finder = _AsyncIterationOf(target.value)
        walk(function.body, finder)
        return finder.found

    def _builds_queryset(self, wrapped: cst.BaseExpression) -> bool:
        if isinstance(wrapped, cst.Attribute):
            receiver = self.ctx.infer(wrapped.value)
            return isinstance(receiver, ORM_LAZY) and isinstance(
                self.ctx.inference.method_result(receiver, wrapped.attr.value), QuerySet
            )
        if isinstance(wrapped, cst.Lambda) and not _has_parameters(wrapped):
            return isinstance(self.ctx.infer(wrapped.body), ORM_LAZY)
        return False


class _AsyncIterationOf(Visitor):
    """Finds `async for ... in <name>` (statement or comprehension)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found = False

    def visit_For(self, node: cst.For) -> None:
        self._check(node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._check(node)

    def _check(self, node: cst.For | cst.CompFor) -> None:
        if node.asynchronous is not None and isinstance(node.iter, cst.Name) and node.iter.value == self.name:
            self.found = True


def _has_parameters(function: cst.Lambda) -> bool:
    params = function.params
    stars = (params.star_arg, params.star_kwarg)
    return bool(params.params or params.posonly_params or params.kwonly_params) or any(
        isinstance(star, cst.Param) for star in stars
    )
