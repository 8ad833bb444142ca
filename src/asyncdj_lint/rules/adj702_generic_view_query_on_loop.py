"""ADJ702: a sync helper of Django's single-object generic views called in an async handler."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.facts.request_path import django_view_handlers
from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._fixes import bridge_fix
from asyncdj_lint.rules._request_path import request_path
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity

# Django's views built on SingleObjectMixin: get_object() runs `queryset.get()`, and
# their handlers call it first thing.
_SINGLE_OBJECT_VIEWS = frozenset(
    {
        "DetailView", "BaseDetailView", "UpdateView", "BaseUpdateView", "DeleteView", "BaseDeleteView",
        "DateDetailView", "BaseDateDetailView", "SingleObjectMixin",
    }
)  # fmt: skip
# Date archive views: get() lists dates and objects with queries (get_dated_items).
_DATE_ARCHIVE_VIEWS = frozenset(
    {
        "ArchiveIndexView", "BaseArchiveIndexView", "YearArchiveView", "BaseYearArchiveView",
        "MonthArchiveView", "BaseMonthArchiveView", "WeekArchiveView", "BaseWeekArchiveView",
        "DayArchiveView", "BaseDayArchiveView", "TodayArchiveView", "BaseTodayArchiveView",
    }
)  # fmt: skip
# ListView: get() queries only to paginate or to refuse an empty list.
_LIST_VIEWS = frozenset({"ListView", "BaseListView", "MultipleObjectMixin"})
_HANDLERS = frozenset({"get", "post", "put", "delete"})


class GenericViewQueryOnLoop(Rule):
    code = "ADJ702"
    name = "generic-view-query-on-loop"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "An async handler of a Django generic view calls the view's sync helpers that query."
    why = (
        "Django's generic views are sync. An `async def get` on DetailView, ListView, "
        "TemplateView or a date archive view is allowed, but the helpers it inherits stay "
        "sync and run on the event loop: `self.get_object()` (and `super().get()` of the "
        "single-object views) runs `queryset.get()`; `super().get()` of a date archive view "
        "lists dates and objects; ListView's `super().get()` counts rows when it paginates "
        "(`paginate_by`) or checks `allow_empty = False`, and `self.paginate_queryset()` "
        "always does. Each raises `SynchronousOnlyOperation`. TemplateView and an unpaginated "
        "ListView are fine: the template renders later, in a thread. Query with the async "
        "API, or wrap the helper: `await sync_to_async(self.get_object)()`."
    )
    django_versions = "4.1 to 6.1"
    requires_text = (b"View",)
    also_requires_text = (b"async",)
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "`self.get_object()` becomes `await sync_to_async(self.get_object)()`, importing "
        "`sync_to_async` from `asgiref.sync`: the view's own `get_object()` runs its query in a "
        "thread and returns the loaded instance. The fix is unsafe, as it moves the work into a "
        "thread. `super().get()` and `self.paginate_queryset()` have no fix: what they return "
        "holds querysets and pages that later code reads on the event loop."
    )
    invalid = (
        Example(
            """\
from django.views.generic import ListView
from shop.models import Product


class ProductList(ListView):
    model = Product
    ordering = ["name"]
    paginate_by = 20

    async def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "11:16-11:53",
                    "`super().get(request, *args, **kwargs)` runs ListView's sync pagination and listing on the event loop, which queries and raises SynchronousOnlyOperation; query with the async API (`await queryset.aget(...)`, `[x async for x in queryset]`) or wrap the call in `sync_to_async`",
                ),
            ),
        ),
        Example(
            """\
from django.http import JsonResponse
from django.views.generic import DetailView
from shop.models import Product


class ProductDetail(DetailView):
    model = Product

    async def get(self, request, *args, **kwargs):
        product = self.get_object()
        return JsonResponse({"name": product.name})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "10:19-10:36",
                    "`self.get_object()` runs DetailView's sync get_object() on the event loop, which queries and raises SynchronousOnlyOperation; query with the async API (`await queryset.aget(...)`, `[x async for x in queryset]`) or wrap the call in `sync_to_async`",
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from django.views.generic import DetailView
from shop.models import Product
from asgiref.sync import sync_to_async


class ProductDetail(DetailView):
    model = Product

    async def get(self, request, *args, **kwargs):
        product = await sync_to_async(self.get_object)()
        return JsonResponse({"name": product.name})
""",
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from django.views.generic import DetailView
from shop.models import Product


class ProductDetail(DetailView):
    model = Product

    async def get(self, request, *args, **kwargs):
        product = await sync_to_async(self.get_object)()
        return JsonResponse({"name": product.name})
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and self.ctx.on_loop):
            return
        class_name = self._async_method_class()
        if class_name is None:
            return
        receiver, method = func.value, func.attr.value
        is_super = _is_super(receiver) and method in _HANDLERS
        is_self = isinstance(receiver, cst.Name) and receiver.value == "self"
        if is_self and method == "get_object":
            found = self._generic_base(class_name, method, _SINGLE_OBJECT_VIEWS)
        elif is_self and method == "paginate_queryset":
            found = self._generic_base(class_name, method, _LIST_VIEWS | _DATE_ARCHIVE_VIEWS)
        elif is_super:
            found = self._generic_base(
                class_name, method, _SINGLE_OBJECT_VIEWS | _DATE_ARCHIVE_VIEWS, skip_own=True
            )
            if (
                found is None
                and self._generic_base(class_name, method, _LIST_VIEWS, skip_own=True)
                and request_path(self.ctx).list_get_queries(class_name) is True
            ):
                found = "ListView"
        else:
            return
        if found is None:
            return
        helper = "get_object()" if found in _SINGLE_OBJECT_VIEWS else "pagination and listing"
        self.report(
            node,
            f"`{self.ctx.snippet(node)}` runs {found}'s sync {helper} on the event loop, which queries and "
            "raises SynchronousOnlyOperation; query with the async API (`await queryset.aget(...)`, "
            "`[x async for x in queryset]`) or wrap the call in `sync_to_async`",
            fix=bridge_fix(self.ctx, node) if is_self and method == "get_object" else None,
        )

    def _async_method_class(self) -> str | None:
        """The qualified name of the class whose async method the visited code is in."""
        function = self.ctx.scope.function
        if function is None or not function.is_async_function or function.parent is None:
            return None
        cls = function.parent.node
        return f"{self.ctx.module_name}.{cls.name.value}" if isinstance(cls, cst.ClassDef) else None

    def _generic_base(
        self, class_name: str, method: str, views: frozenset[str], *, skip_own: bool = False
    ) -> str | None:
        """The Django view among `views` that `method` of class `class_name` comes from, when no project
        class before it defines it.

        `skip_own`: the class's own definition does not count (`super().get()` in `get`).
        """
        index = request_path(self.ctx)
        for position, (name, facts) in enumerate(index.ancestors(class_name)):
            short = name.rpartition(".")[2]
            if django_view_handlers(name) is not None:
                return short if short in views else None
            if facts is None:
                return None
            summary = index.class_summary(name)
            if not (skip_own and position == 0) and summary is not None and summary.method(method):
                return None  # the project overrides it
        return None


def _is_super(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "super"
