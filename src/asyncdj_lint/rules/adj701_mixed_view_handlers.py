"""ADJ701: a class-based view with both sync and async HTTP handlers."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.fixes import AddImport, Fix, FixAvailability, InsertBefore, NodeEdit, Replace, Safety
from asyncdj_lint.rules._fixes import importable, statement_indent
from asyncdj_lint.rules._request_path import module_class, view_handlers
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity
from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.walk import Visitor, walk

MIXED = Outcome(
    exception="django.core.exceptions.ImproperlyConfigured",
    message="HTTP handlers must either be all sync or all async.",
)


class MixedViewHandlers(Rule):
    code = "ADJ701"
    name = "mixed-view-handlers"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A class-based view has both sync and async HTTP handlers."
    why = (
        "`View.as_view()` looks at every handler the class has for the names in "
        "`http_method_names` (`options` excepted) and requires them to be all sync or all "
        "async: a mix raises `ImproperlyConfigured: <View> HTTP handlers must either be all "
        "sync or all async.` when the URLconf is imported, so no page of the site loads. "
        "Inherited handlers count: Django's generic views are all sync, so an `async def get` "
        "on FormView, CreateView, UpdateView, DeleteView or RedirectView mixes with their "
        "`post`/`put`/`delete`. Make every handler `async def` (or all sync); for an async "
        "form or delete view, build it on `View`."
    )
    django_versions = "4.1 to 6.1"
    requires_text = (b"View",)
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "When every sync handler is a method the view defines itself, each (`def post(self, "
        "request, pk)`) is renamed `_post_sync` and an `async def post(self, request, *args, "
        "**kwargs)` in its place returns `await sync_to_async(self._post_sync)(request, *args, "
        "**kwargs)`: the handlers are then all async, and the sync code runs in a thread, as "
        "Django runs a sync view under ASGI. The fix is unsafe: the sync handler's work runs in a "
        "thread. There is no fix where a sync handler is inherited (Django's generic views call "
        "their handlers from one another), is a static or class method, where the module calls a "
        "handler through `self` or `super()` (it would get a coroutine), where a class decorator "
        'names a handler (`method_decorator(..., name="post")`), or where the new name is taken.'
    )
    invalid = (
        Example(
            """\
from django.http import HttpResponse, JsonResponse
from django.views import View
from shop.models import Product


class ProductView(View):
    async def get(self, request, pk):
        product = await Product.objects.aget(pk=pk)
        return JsonResponse({"name": product.name})

    def post(self, request, pk):
        Product.objects.filter(pk=pk).update(available=False)
        return HttpResponse(status=204)
""",
            MIXED,
            expected=(
                Expected(
                    "6:7-6:18",
                    "`ProductView` has async handlers (get) and sync ones (post): `as_view()` raises `ImproperlyConfigured: ProductView HTTP handlers must either be all sync or all async.` when the URLconf is imported; make every handler `async def`, or all sync",
                ),
            ),
            fixed="""\
from django.http import HttpResponse, JsonResponse
from django.views import View
from shop.models import Product
from asgiref.sync import sync_to_async


class ProductView(View):
    async def get(self, request, pk):
        product = await Product.objects.aget(pk=pk)
        return JsonResponse({"name": product.name})

    async def post(self, request, *args, **kwargs):
        return await sync_to_async(self._post_sync)(request, *args, **kwargs)

    def _post_sync(self, request, pk):
        Product.objects.filter(pk=pk).update(available=False)
        return HttpResponse(status=204)
""",
        ),
        Example(
            """\
from django.http import JsonResponse
from django.views.generic import FormView


class ContactView(FormView):
    async def get(self, request):
        return JsonResponse({"form": "contact"})
""",
            MIXED,
            expected=(
                Expected(
                    "5:7-5:18",
                    "`ContactView` has async handlers (get) and sync ones (post, put) (inherited from Django's FormView): `as_view()` raises `ImproperlyConfigured: ContactView HTTP handlers must either be all sync or all async.` when the URLconf is imported; Django's FormView has no async version: write the view on `View` with async handlers",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponse, JsonResponse
from django.views import View
from shop.models import Product


class ProductView(View):
    async def get(self, request, pk):
        product = await Product.objects.aget(pk=pk)
        return JsonResponse({"name": product.name})

    async def post(self, request, pk):
        await Product.objects.filter(pk=pk).aupdate(available=False)
        return HttpResponse(status=204)
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        handlers = view_handlers(self.ctx, node)
        if not handlers or len({is_async for is_async, _ in handlers.values()}) < 2:
            return
        name = node.name.value
        async_names = [h for h, (is_async, _) in handlers.items() if is_async]
        sync_names = [h for h, (is_async, _) in handlers.items() if not is_async]
        inherited = sorted(
            {owner for h, (_, owner) in handlers.items() if h in sync_names and "." not in owner}
        )
        where = f" (inherited from Django's {', '.join(inherited)})" if inherited else ""
        advice = (
            f"Django's {', '.join(inherited)} has no async version: write the view on `View` with async handlers"
            if inherited
            else "make every handler `async def`, or all sync"
        )
        self.report(
            node.name,
            f"`{name}` has async handlers ({', '.join(async_names)}) and sync ones ({', '.join(sync_names)}){where}: "
            f"`as_view()` raises `ImproperlyConfigured: {name} HTTP handlers must either be all sync or all "
            f"async.` when the URLconf is imported; {advice}",
            fix=None if inherited else handlers_fix(self.ctx, node, sync_names),
        )


def handlers_fix(ctx: FileContext, node: cst.ClassDef, sync_names: list[str]) -> Fix | None:
    """Each sync handler the view defines itself (`def post(self, request)`) renamed
    `_post_sync`, and an `async def post` in its place that awaits it through `sync_to_async`:
    the handlers are then all async, and the sync code runs in a thread, as Django runs a sync
    view. None where a handler is not a plain method the class defines, where the view or its
    module calls a handler through `self` or `super()` (it would get a coroutine), where a class
    decorator names a handler, or where a new name is taken."""
    found = module_class(ctx, node)
    body = node.body
    if (
        found is None
        or not isinstance(body, cst.IndentedBlock)
        or not importable(ctx, "asgiref.sync", "sync_to_async")
    ):
        return None
    methods = {
        statement.name.value: statement
        for statement in body.body
        if isinstance(statement, cst.FunctionDef) and statement.asynchronous is None
    }
    uses = _Uses()
    walk(ctx.module, uses)
    wrapped = set(sync_names)
    if (
        any(name not in methods or f"_{name}_sync" in uses.names for name in sync_names)
        or wrapped & uses.called_on_self
        or wrapped & uses.strings_in_decorators(node)
        or any(_is_not_plain(methods[name]) for name in sync_names)
    ):
        return None
    indent = statement_indent(ctx) + (ctx.module.default_indent if body.indent is None else body.indent)
    inner = indent + ctx.module.default_indent
    newline = ctx.module.default_newline
    edits: list[NodeEdit] = [AddImport("asgiref.sync", "sync_to_async")]
    for name in sync_names:
        method = methods[name]
        wrapper = newline.join(
            [
                f"async def {name}(self, request, *args, **kwargs):",
                f"{inner}return await sync_to_async(self._{name}_sync)(request, *args, **kwargs)",
                "",
                indent,
            ]
        )
        first = method.decorators[0] if method.decorators else method
        edits += [InsertBefore(first, wrapper), Replace(method.name, f"_{name}_sync")]
    return Fix("Await the sync handlers through `sync_to_async`", Safety.UNSAFE, tuple(edits))


def _is_not_plain(method: cst.FunctionDef) -> bool:
    """A static or class method, or one whose first parameter is not a plain one."""
    params = method.params
    decorated = any(
        isinstance(decorator.decorator, cst.Name)
        and decorator.decorator.value in ("staticmethod", "classmethod")
        for decorator in method.decorators
    )
    return decorated or not (params.posonly_params or params.params)


class _Uses(Visitor):
    """Every identifier of the module, and the handler names it calls through `self` or `super()`."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.called_on_self: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.names.add(node.attr.value)
        owner = node.value
        if (isinstance(owner, cst.Name) and owner.value in ("self", "cls")) or (
            isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super"
        ):
            self.called_on_self.add(node.attr.value)

    @staticmethod
    def strings_in_decorators(node: cst.ClassDef) -> set[str]:
        """The strings a class decorator holds (`method_decorator(..., name="post")`)."""
        strings = _Strings()
        for decorator in node.decorators:
            walk(decorator, strings)
        return strings.found


class _Strings(Visitor):
    def __init__(self) -> None:
        self.found: set[str] = set()

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = string_value(node)
        if value is not None:
            self.found.add(value)
