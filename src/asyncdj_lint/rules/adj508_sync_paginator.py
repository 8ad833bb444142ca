"""ADJ508: a Paginator over a QuerySet used on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import argument, bound_values, callee_name
from asyncdj_lint.analysis.values import ORM_LAZY
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import AddImport, Fix, FixAvailability, NodeEdit, RemoveImport, Replace, Safety
from asyncdj_lint.rules._fixes import await_call, bridge_fix, can_await, importable
from asyncdj_lint.rules._render import context_lookups
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity
from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.walk import Visitor, walk

# Paginator members that run only when called; the others are properties.
_METHODS = frozenset({"page", "get_page", "get_elided_page_range"})
# The members that build a page, which the fix awaits or runs in a thread.
_PAGE_BUILDERS = frozenset({"page", "get_page"})
# Page members that read only its number and the paginator's count, which building the page cached:
# no query once the page is built. AsyncPage has only `number` as a plain attribute.
_PAGE_NUMBERS = frozenset(
    {
        "number",
        "has_next",
        "has_previous",
        "has_other_pages",
        "next_page_number",
        "previous_page_number",
        "start_index",
        "end_index",
    }
)
_ASYNC_PAGE_NUMBERS = frozenset({"number"})
_PAGINATOR_MODULE = "django.core.paginator"


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
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "`page = paginator.get_page(n)` (or `page(n)`) is fixed where the page's objects are never "
        "read on the event loop: the function reads only the page's number and what the count gives "
        "(`page.number`, `has_next()`, `start_index()` ...), itself or through a template whose "
        "context holds the page. When the target Django version has `AsyncPaginator` (6.0+) and only "
        "`page.number` is read, it becomes `page = await AsyncPaginator(...).aget_page(n)` (the "
        "paginator built in a name is changed where that name is used only there). Otherwise the call "
        "runs in a thread: `page = await sync_to_async(paginator.get_page)(n)`. Both fixes are unsafe: "
        "the counting query moves to a thread or to the async ORM. A page that is iterated, indexed or "
        "handed on has no fix: its objects would still be fetched on the event loop."
    )
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
        Example(
            """\
from django.core.paginator import Paginator
from django.http import JsonResponse
from shop.models import Product


async def product_page(request):
    page = Paginator(Product.objects.order_by("name"), 2).get_page(request.GET.get("page"))
    return JsonResponse({"page": page.number, "more": page.has_next()})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:12-7:67",
                    '`Paginator(Product.objects.order_by("name"), 2).get_page` counts the QuerySet on the event loop and raises SynchronousOnlyOperation; build the page and list its objects inside `sync_to_async` (the target, Django 5.2, predates the async variant of 6.0)',
                ),
            ),
            fixed="""\
from django.core.paginator import Paginator
from django.http import JsonResponse
from shop.models import Product
from asgiref.sync import sync_to_async


async def product_page(request):
    page = await sync_to_async(Paginator(Product.objects.order_by("name"), 2).get_page)(request.GET.get("page"))
    return JsonResponse({"page": page.number, "more": page.has_next()})
""",
        ),
        Example(
            """\
from django.core.paginator import Paginator
from django.http import JsonResponse
from shop.models import Product


async def product_page(request):
    paginator = Paginator(Product.objects.order_by("name"), 2)
    page = paginator.get_page(request.GET.get("page"))
    return JsonResponse({"page": page.number})
""",
            RAISES_SYNC_ONLY,
            files=(("requirements.txt", "Django>=6.0\n"),),
            expected=(
                Expected(
                    "8:12-8:30",
                    "`paginator.get_page` counts the QuerySet on the event loop and raises SynchronousOnlyOperation; build an `AsyncPaginator` and use `await paginator.aget_page(...)`",
                ),
            ),
            fixed="""\
from django.core.paginator import AsyncPaginator
from django.http import JsonResponse
from shop.models import Product


async def product_page(request):
    paginator = AsyncPaginator(Product.objects.order_by("name"), 2)
    page = await paginator.aget_page(request.GET.get("page"))
    return JsonResponse({"page": page.number})
""",
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
            fix=self._fix(node) if member in _PAGE_BUILDERS and can_await(self.ctx) else None,
        )

    def _fix(self, node: cst.Attribute) -> Fix | None:
        """`page = paginator.get_page(n)`, where the page's objects are never read on the event loop:
        `page = await AsyncPaginator(...).aget_page(n)` (6.0+), or the call in a thread."""
        call, assign = self.ctx.parent(), self.ctx.parent(2)
        if not (
            isinstance(call, cst.Call)
            and isinstance(assign, cst.Assign)
            and assign.value is call
            and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
        ):
            return None
        target = assign.targets[0].target
        found = self.ctx.scope.lookup(target.value)
        function = self.ctx.scope.node
        if found is None or found[0] is not self.ctx.scope or len(found[1]) != 1:
            return None
        assert isinstance(function, cst.FunctionDef)
        uses = _Uses(target)
        walk(function.body, uses)
        if uses.hidden:
            return None
        members = [self._page_members(parents) for parents in uses.found]
        if api.has(self.ctx.options, api.ASYNC_PAGINATOR_SINCE) and all(
            used is not None and used <= _ASYNC_PAGE_NUMBERS for used in members
        ):
            fix = self._async_fix(node, call, function)
            if fix is not None:
                return fix
        if all(used is not None and used <= _PAGE_NUMBERS for used in members):
            return bridge_fix(self.ctx, call)
        return None

    def _page_members(self, parents: list[cst.CSTNode]) -> frozenset[str] | None:
        """What one use of the page reads of it: the members read (`page.number`: {"number"}; a
        context value: those the template reads), all of which a thread-rendered template may read
        (`{"*"}`); None for any other use (iterated, indexed, handed on)."""
        use, parent = parents[-1], parents[-2]
        if isinstance(parent, cst.Attribute) and parent.value is use:
            return frozenset({parent.attr.value})
        if not (isinstance(parent, cst.DictElement) and parent.value is use and len(parents) >= 5):
            return None
        key = string_value(parent.key) if isinstance(parent.key, cst.SimpleString) else None
        context, arg, call = parents[-3], parents[-4], parents[-5]
        if not (isinstance(key, str) and isinstance(context, cst.Dict) and isinstance(arg, cst.Arg)):
            return None
        if not isinstance(call, cst.Call):
            return None
        lookups = context_lookups(self.ctx, call, context)
        if lookups is None:
            return None
        read = set()
        for lookup in lookups:
            if lookup.path[0] == key:
                if len(lookup.path) != 2:
                    return None  # the page itself: iterated, indexed or printed
                read.add(lookup.path[1])
        return frozenset(read)

    def _async_fix(self, node: cst.Attribute, call: cst.Call, function: cst.FunctionDef) -> Fix | None:
        """`await AsyncPaginator(...).aget_page(n)`; a paginator in a name is built as an
        AsyncPaginator where that name is used only here."""
        built = bound_values(self.ctx, node.value)
        if len(built) != 1 or not isinstance(built[0][0], cst.Call):
            return None
        paginator = built[0][0]
        if isinstance(node.value, cst.Name):
            uses = _Uses(node.value)
            walk(function.body, uses)
            if uses.hidden or len(uses.found) != 1:
                return None
        edits: list[NodeEdit] = [
            Replace(node.attr, api.PAGINATOR_QUERYING[node.attr.value]),
            *await_call(call, self.ctx.parent(2)),
        ]
        func = paginator.func
        if isinstance(func, cst.Attribute):  # `paginator.Paginator(...)`
            edits.append(Replace(func.attr, "AsyncPaginator"))
        elif (
            isinstance(func, cst.Name)
            and func.value == "Paginator"
            and importable(self.ctx, _PAGINATOR_MODULE, "AsyncPaginator")
        ):
            edits += [
                Replace(func, "AsyncPaginator"),
                AddImport(_PAGINATOR_MODULE, "AsyncPaginator"),
                RemoveImport(_PAGINATOR_MODULE, "Paginator"),
            ]
        else:
            return None
        return Fix("Await an `AsyncPaginator`", Safety.UNSAFE, tuple(edits))

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


class _Uses(Visitor):
    """Where a function's body reads a local name: the nodes from the body down to each read.
    `hidden` when a nested function, lambda or class mentions it (where that runs is unknown)."""

    def __init__(self, name: cst.Name) -> None:
        self.name = name
        self.found: list[list[cst.CSTNode]] = []
        self.hidden = False
        self._parents: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self._parents.append(node)
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            self.hidden = self.hidden or _mentions(node, self.name.value)
            return False
        if isinstance(node, cst.Name) and node.value == self.name.value and node is not self.name:
            parent = self._parents[-2]
            if not (
                (isinstance(parent, cst.Attribute) and parent.attr is node)
                or (isinstance(parent, cst.Arg) and parent.keyword is node)
            ):
                self.found.append(list(self._parents))
        return True

    def on_leave(self, node: cst.CSTNode) -> None:
        self._parents.pop()


def _mentions(node: cst.CSTNode, name: str) -> bool:
    class _Finder(Visitor):
        found = False

        def visit_Name(self, name_node: cst.Name) -> None:
            self.found = self.found or name_node.value == name

    finder = _Finder()
    walk(node, finder)
    return finder.found
