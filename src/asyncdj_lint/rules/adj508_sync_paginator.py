"""ADJ508: a Paginator over a QuerySet used on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import argument, bound_values, callee_name
from asyncdj_lint.analysis.values import ORM_LAZY
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity

# Paginator members that run only when called; the others are properties.
_METHODS = frozenset({"page", "get_page", "get_elided_page_range"})


class SyncPaginator(Rule):
    code = "ADJ508"
    name = "sync-paginator"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "A `Paginator` over a QuerySet counts or pages it in async code."
    why = (
        "`Paginator.page()`, `get_page()`, `count`, `num_pages` and `page_range` count the "
        "QuerySet with a query, and iterating a page fetches its rows: on the event loop "
        "both raise `SynchronousOnlyOperation`. Django 6.0 added `AsyncPaginator` "
        "(`await paginator.aget_page(n)`, `async for` over the page); before, build the "
        "page and its list in `sync_to_async`. A bound method handed on uncalled "
        "(`await sync_to_async(paginator.page)(n)`) runs in the thread and is not reported."
    )
    django_versions = "4.1 to 6.1"
    invalid = (
        Example(
            """\
from django.core.paginator import Paginator
from django.http import HttpResponse
from shop.models import Product


async def product_page(request):
    paginator = Paginator(Product.objects.order_by("name"), 2)
    page = paginator.get_page(1)
    return HttpResponse(", ".join(product.name for product in page))
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "8:12-8:30",
                    "`paginator.get_page` counts the QuerySet on the event loop and raises SynchronousOnlyOperation; build the page and list its objects inside `sync_to_async` (the target, Django 5.2, predates the async variant of 6.0)",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.core.paginator import Paginator
from django.http import HttpResponse
from shop.models import Product


def first_page_names():
    page = Paginator(Product.objects.order_by("name"), 2).get_page(1)
    return [product.name for product in page]


async def product_page(request):
    return HttpResponse(", ".join(await sync_to_async(first_page_names)()))
"""
        ),
        Example(
            """\
from asgiref.sync import sync_to_async
from django.core.paginator import Paginator
from django.http import HttpResponse
from shop.models import Product


async def product_page(request):
    paginator = Paginator(Product.objects.order_by("name"), 2)
    page = await sync_to_async(paginator.page)(1)
    names = await sync_to_async(list)(page.object_list.values_list("name", flat=True))
    return HttpResponse(", ".join(names))
"""
        ),
    )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        member = node.attr.value
        if (
            not self.ctx.on_loop
            or member not in api.PAGINATOR_QUERYING
            or not self._over_queryset(node.value)
            or (member in _METHODS and not self._is_called(node))
        ):
            return  # a bound method handed on (`sync_to_async(paginator.page)`) runs where it is called
        paginator = self.ctx.snippet(node.value)
        named = paginator if isinstance(node.value, cst.Name) else "paginator"
        advice = api.advise(
            self.ctx.options,
            api.ASYNC_PAGINATOR_SINCE,
            f"build an `AsyncPaginator` and use `await {named}.{api.PAGINATOR_QUERYING[member]}(...)`",
            "build the page and list its objects inside `sync_to_async`",
        )
        self.report(
            node,
            f"`{paginator}.{member}` counts the QuerySet on the event loop and raises "
            f"SynchronousOnlyOperation; {advice}",
        )

    def _is_called(self, node: cst.Attribute) -> bool:
        parent = self.ctx.parent()
        return isinstance(parent, cst.Call) and parent.func is node

    def _over_queryset(self, expr: cst.BaseExpression) -> bool:
        """A `Paginator(...)` whose object list is a QuerySet or manager, directly or through a local name."""
        values = bound_values(self.ctx, expr)
        return bool(values) and all(
            isinstance(value, cst.Call)
            and callee_name(self.ctx, value, scope) in api.PAGINATORS
            and (items := argument(value, 0, "object_list")) is not None
            and isinstance(self.ctx.inference.infer(items, scope), ORM_LAZY)
            for value, scope in values
        )
