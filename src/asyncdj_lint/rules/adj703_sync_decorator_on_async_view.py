"""ADJ703: a decorator whose wrapper is sync, on an async function view."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.facts.django_version import format_version as version_text
from asyncdj_lint.facts.request_path import HTTP_METHOD_NAMES, MIDDLEWARE_MIXIN
from asyncdj_lint.facts.view_decorators import UNAWAITED, VIEW_DECORATORS
from asyncdj_lint.index.request_path.definitions import RequestFunction
from asyncdj_lint.rules._request_path import (
    RETURNS_COROUTINE,
    decorator_callee,
    module_function,
    request_path,
    resolved,
    target_django,
)
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity

# Methods Django calls in the mode it sees: a view's handlers (View.as_view) and the
# middleware hooks its handler adapts (BaseHandler.adapt_method_mode).
_ADAPTED_METHODS = frozenset(HTTP_METHOD_NAMES) | {
    "process_view",
    "process_exception",
    "process_template_response",
}


class SyncDecoratorOnAsyncView(Rule):
    code = "ADJ703"
    name = "sync-decorator-on-async-view"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A decorator with a sync wrapper decorates an async view."
    why = (
        "Django runs a view as async only when the function it is given is a coroutine "
        "function. A decorator whose wrapper is a plain `def` that calls the view and returns "
        "the result hides the view's async-ness: Django runs the wrapper in a thread, gets the "
        "view's coroutine back, and fails every request with `ValueError: ... It returned an "
        "unawaited coroutine instead.` (or an `AttributeError` when the wrapper reads the "
        "response). This holds for the project's own decorators, and for Django's before "
        "they gained async support: `login_required`, `user_passes_test` and "
        "`permission_required` in 5.1; the csrf, http, cache, vary, gzip, clickjacking, debug "
        "and common decorators in 5.0 (the target version comes from the project, "
        "`--target-django`). Decorators applied in a URLconf (`never_cache(HomeView.as_view())`) "
        "are checked the same way, and so are project decorators on the async HTTP handlers of a "
        "class-based view and on a middleware's async `process_view`, `process_exception` or "
        "`process_template_response`, which Django also calls in the mode it sees. Make the wrapper `async def` and await the view, or branch "
        "on `iscoroutinefunction(view)`."
    )
    django_versions = "4.1 to 6.1"
    # Async views where they are defined, decorated views in URLconfs.
    requires_text = (b"async", b"urlpatterns")
    invalid = (
        Example(
            """\
import functools

from django.http import JsonResponse
from shop.models import Product


def log_calls(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        print("calling", view.__name__)
        return view(request, *args, **kwargs)

    return wrapper


@log_calls
async def product_count(request):
    return JsonResponse({"count": await Product.objects.acount()})
""",
            RETURNS_COROUTINE,
            expected=(
                Expected(
                    "16:1-16:11",
                    "`@log_calls` wraps async view `product_count` in a sync function that does not await it: Django runs the wrapper in a thread and every request fails with `ValueError: The view ... didn't return an HttpResponse object. It returned an unawaited coroutine instead.`; make the wrapper `async def` and `await` the view (or branch on `iscoroutinefunction(view)`)",
                ),
            ),
        ),
        Example(
            """\
import functools

from django.http import JsonResponse
from shop.models import Product


def no_store(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return wrapper


@no_store
async def product_count(request):
    return JsonResponse({"count": await Product.objects.acount()})
""",
            Outcome(
                exception="builtins.TypeError",
                message="'coroutine' object does not support item assignment",
                warning="RuntimeWarning",
                warning_message="was never awaited",
            ),
            expected=(
                Expected(
                    "17:1-17:10",
                    "`@no_store` wraps async view `product_count` in a sync function that does not await it: Django runs the wrapper in a thread and every request fails with `TypeError: 'coroutine' object does not support item assignment`; make the wrapper `async def` and `await` the view (or branch on `iscoroutinefunction(view)`)",
                ),
            ),
        ),
        Example(
            """\
import functools

from django.utils.deprecation import MiddlewareMixin
from shop.models import Product


def timed(hook):
    @functools.wraps(hook)
    def wrapper(self, *args, **kwargs):
        return hook(self, *args, **kwargs)

    return wrapper


class ProductCountMiddleware(MiddlewareMixin):
    @timed
    async def process_view(self, request, view_func, view_args, view_kwargs):
        request.product_count = await Product.objects.acount()
        return None
""",
            RETURNS_COROUTINE,
            expected=(
                Expected(
                    "16:5-16:11",
                    "`@timed` wraps async `ProductCountMiddleware.process_view` in a sync function that does not await it: Django sees a sync method, runs it in a thread and gets a coroutine back, so requests fail with `ValueError: The view ... didn't return an HttpResponse object. It returned an unawaited coroutine instead.`; make the wrapper `async def` and `await` the method (or branch on `iscoroutinefunction`)",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
import functools

from django.http import JsonResponse
from shop.models import Product


def log_calls(view):
    @functools.wraps(view)
    async def wrapper(request, *args, **kwargs):
        print("calling", view.__name__)
        return await view(request, *args, **kwargs)

    return wrapper


@log_calls
async def product_count(request):
    return JsonResponse({"count": await Product.objects.acount()})
"""
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None or not node.decorators:
            return
        if module_function(self.ctx, node) is None:
            self._check_method(node)
            return
        for decorator in node.decorators:
            expr = decorator.decorator
            factory = isinstance(expr, cst.Call)
            message = self._problem(
                decorator_callee(decorator), factory, f"@{self.ctx.snippet(expr)}", node.name.value
            )
            if message is not None:
                self.report(decorator, message)

    def _check_method(self, node: cst.FunctionDef) -> None:
        """An async HTTP handler or middleware view hook of a module-level class, under a project decorator."""
        method = node.name.value
        class_scope = self.ctx.scope.parent
        owner = class_scope.node if class_scope is not None else None
        at_module_level = (
            class_scope is not None and class_scope.parent is not None and class_scope.parent.parent is None
        )
        if method not in _ADAPTED_METHODS or not isinstance(owner, cst.ClassDef) or not at_module_level:
            return
        # Only where Django calls the method: a class-based view's handler, a middleware's hook.
        django_base = "django.views." if method in HTTP_METHOD_NAMES else MIDDLEWARE_MIXIN
        ancestors = request_path(self.ctx).ancestors(f"{self.ctx.module_name}.{owner.name.value}")
        if not any(name.startswith(django_base) for name, _ in ancestors):
            return
        for decorator in node.decorators:
            expr = decorator.decorator
            qualname = None if isinstance(expr, cst.Call) else resolved(self.ctx, expr)
            function = request_path(self.ctx).request_function(qualname) if qualname else None
            if function is not None and function[1].sync_wrapper:
                self.report(
                    decorator,
                    f"`@{self.ctx.snippet(expr)}` wraps async `{owner.name.value}.{method}` in a sync function that "
                    f"does not await it: Django sees a sync method, runs it in a thread and gets a coroutine back, "
                    f"so requests fail with {_failure(function[1])}; make the wrapper `async def` and `await` the method (or "
                    "branch on `iscoroutinefunction`)",
                )

    def visit_Call(self, node: cst.Call) -> None:
        """`login_required(views.home)` and `never_cache(HomeView.as_view())` in a URLconf."""
        if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            return
        view = self._async_view(node.args[0].value)
        if view is None:
            return
        factory = isinstance(node.func, cst.Call)  # cache_page(60)(view)
        callee = node.func.func if isinstance(node.func, cst.Call) else node.func
        message = self._problem(callee, factory, self.ctx.snippet(node.func), view)
        if message is not None:
            self.report(node, message)

    def _async_view(self, expr: cst.BaseExpression) -> str | None:
        """The name of the async function or async class-based view `expr` is, else None."""
        index = request_path(self.ctx)
        if (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "as_view"
        ):
            cls = resolved(self.ctx, expr.func.value)
            handlers = index.handlers(cls) if cls else None
            if cls and handlers and all(is_async for is_async, _ in handlers.values()):
                return f"{cls.rpartition('.')[2]}.as_view()"
            return None
        function = index.request_function(resolved(self.ctx, expr) or "")
        return function[0].rpartition(".")[2] if function is not None and function[1].is_async else None

    def _problem(self, callee: cst.BaseExpression, factory: bool, text: str, view: str) -> str | None:
        """What goes wrong when `text` (whose callee is `callee`) wraps the async view `view`."""
        qualname = resolved(self.ctx, callee)
        if qualname is None:
            return None
        known = VIEW_DECORATORS.get(qualname)
        if known is not None:
            if target_django(self.ctx) >= known.since:
                return None
            since = version_text(known.since)
            return (
                f"`{text}` on async view `{view}`: before Django {since} its wrapper is sync, and every request "
                f"that reaches the view fails with {known.failure}; do the check inside the view, or move to "
                f"Django {since}"
            )
        function = request_path(self.ctx).request_function(qualname)
        if factory or function is None or not function[1].sync_wrapper:
            return None
        return (
            f"`{text}` wraps async view `{view}` in a sync function that does not await it: Django runs the "
            f"wrapper in a thread and every request fails with {_failure(function[1])}; make the wrapper "
            "`async def` and `await` the view (or branch on `iscoroutinefunction(view)`)"
        )


def _failure(wrapper: RequestFunction) -> str:
    """What a request through a sync wrapper of an async view raises: the wrapper's own use of the
    coroutine (`response["X"] = ...`: TypeError), else Django's ValueError for the coroutine returned."""
    return f"`{wrapper.wrapper_failure}`" if wrapper.wrapper_failure else UNAWAITED
