"""ADJ108: a coroutine that is never awaited: a project `async def`, a bridge, the channel layer."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.project_calls import is_generator, project_function
from asyncdj_lint.analysis.scopes import ParamBinding, ValueBinding
from asyncdj_lint.analysis.values import Builtin
from asyncdj_lint.facts.bridges import SYNC_TO_ASYNC, qualname_of
from asyncdj_lint.facts.django_async_api import AUTH_FUNCTIONS, AUTH_MODULE, SHORTCUTS
from asyncdj_lint.facts.request_path import MIDDLEWARE_HOOKS
from asyncdj_lint.fixes import Fix, FixAvailability, Safety
from asyncdj_lint.rules._bridges import is_async_to_sync
from asyncdj_lint.rules._coroutines import coroutine_consumed
from asyncdj_lint.rules._fixes import await_call, can_await
from asyncdj_lint.rules._handlers import callback_caller, registrations
from asyncdj_lint.rules._receivers import made_by
from asyncdj_lint.rules._request_path import (
    GET_RESPONSE,
    RETURNS_COROUTINE,
    is_middleware,
    module_class,
    resolved,
)
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity

# Django's module-level async functions: `alogin(...)`, `aget_object_or_404(...)`.
_DJANGO_ASYNC_FUNCTIONS = frozenset(
    {f"{AUTH_MODULE}.{name}" for name in AUTH_FUNCTIONS.values()}
    | {f"{qualname.rpartition('.')[0]}.{name}" for qualname, name in SHORTCUTS.items()}
)
# Every method of a Channels layer is a coroutine function (channels/layers.py).
_LAYER_METHODS = frozenset(
    {"group_send", "group_add", "group_discard", "send", "receive", "new_channel", "flush"}
)
_CHANNEL_LAYERS = frozenset({"channels.layers.get_channel_layer"})
# AsyncClient's request and login methods are coroutine functions (django/test/client.py).
_ASYNC_CLIENTS = frozenset({"django.test.AsyncClient", "django.test.client.AsyncClient"})
_CLIENT_METHODS = frozenset(
    {
        "get", "post", "put", "patch", "delete", "head", "options", "trace", "generic", "request",
        "alogin", "aforce_login", "alogout",
    }
)  # fmt: skip
# Builtins and Django's response classes that use their argument as a value: a coroutine
# handed to them is never run (`HttpResponse(count())` answers "<coroutine object ...>").
_VALUE_BUILTINS = frozenset(
    {
        "str", "int", "float", "bool", "len", "list", "tuple", "set", "frozenset", "dict",
        "sorted", "sum", "min", "max", "any", "all", "repr", "print", "round", "abs", "enumerate",
    }
)  # fmt: skip
_RESPONSE_CLASSES = frozenset(
    {
        f"{module}.{name}"
        for module in ("django.http", "django.http.response")
        for name in ("HttpResponse", "JsonResponse", "StreamingHttpResponse", "FileResponse")
    }
)
# Django's functions that call the callable they are given from sync code, never awaiting it.
_SYNC_CALLBACK_RUNNERS = frozenset({"django.db.transaction.on_commit"})
# What may be done to a coroutine object without running it wrongly.
_COROUTINE_METHODS = frozenset({"send", "throw", "close", "__await__"})


class UnawaitedCoroutine(Rule):
    code = "ADJ108"
    name = "unawaited-coroutine"
    stable_since = "0.2.0"
    severity = Severity.ERROR
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "In an `async def`, `await` is written before the call (`rename_all(name)` becomes "
        "`await rename_all(name)`, parenthesized where an attribute or item of the result is read): "
        "the fix is safe, it runs the work the code asked for, which was silently lost or tested "
        "as a coroutine. No fix is offered in sync code, where the call needs `async_to_sync`, nor "
        "in a comprehension or a lambda."
    )
    summary = (
        "A coroutine that is never awaited: a project `async def`, `sync_to_async(f)(...)`, "
        "a channel-layer method, Django's `a*` functions, `AsyncClient` requests, an async "
        "handler or callback that sync code calls."
    )
    why = (
        "Calling an `async def` only creates a coroutine; its body runs when the coroutine is "
        "awaited. A call used as a statement loses its work (Python prints `RuntimeWarning: "
        "coroutine ... was never awaited` when it is collected); a coroutine tested for truth "
        "is always true, so `if not can_edit(request):` lets everyone through; returned from a "
        "view, or from a middleware's `process_view` or other hook that Django calls, it fails the "
        "request (`ValueError: ... It returned an unawaited coroutine instead.`; make the hook an "
        "`async def` that awaits it, which Django adapts to either mode); put in a response it fails to serialise (`TypeError: Object of type "
        "coroutine is not JSON serializable`). The same holds for `sync_to_async(f)(...)`, "
        "Django's `alogin()` and `aget_object_or_404()`, and the methods of a Channels "
        "layer (`channel_layer.group_send(...)` in sync code never sends the message), "
        "`AsyncClient` requests in tests (`response = self.async_client.get(url)` holds a "
        "coroutine, not a response), and "
        "for `get_response(request)` in an async middleware. `async_to_sync(f(x))` hands "
        "asgiref the coroutine instead of the function: `TypeError: 'coroutine' object is not "
        "callable`. Iterated with a plain `for`, a coroutine raises `TypeError: 'coroutine' object is "
        "not iterable`; handed to a builtin (`str()`, `len()`) or a response class "
        "(`HttpResponse(count())` answers `<coroutine object ...>`), it is used as a value. "
        "`transaction.on_commit()` calls its callable from sync code too: an `async def` or a "
        "`sync_to_async(f)` handed to it never runs. "
        "An `async def` stored in a registry (a module-level dict or list, also "
        "through a registering decorator) whose entries sync code calls, or handed to a sync project "
        "function as a callback (itself, or wrapped as `sync_to_async(f)`) that the function calls, "
        "drops a coroutine at each of those calls: it is reported where it is stored or handed over, "
        "naming the sync call, and only where that call is in sight (in the registry's module, or in "
        "the callee's body); sync code that tests what it got for an awaitable is not counted. "
        "In async code, `await` the call; "
        "in sync code, call the function through `async_to_sync(f)(...)`."
    )
    invalid = (
        Example(
            """\
from django.http import HttpResponse
from shop.models import Product


async def rename_all(name):
    await Product.objects.aupdate(name=name)


async def rename(request):
    rename_all("Renamed")
    return HttpResponse(status=200)
""",
            Outcome(warning="RuntimeWarning", warning_message="coroutine 'rename_all' was never awaited"),
            expected=(
                Expected(
                    "10:5-10:26",
                    '`rename_all("Renamed")` creates a coroutine of `rename_all()` that is never awaited: its work never runs; write `await rename_all("Renamed")`',
                ),
            ),
            fixed="""\
from django.http import HttpResponse
from shop.models import Product


async def rename_all(name):
    await Product.objects.aupdate(name=name)


async def rename(request):
    await rename_all("Renamed")
    return HttpResponse(status=200)
""",
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_count():
    return await Product.objects.acount()


def stats(request):
    return JsonResponse({"products": product_count()})
""",
            Outcome(
                exception="builtins.TypeError",
                message="Object of type coroutine is not JSON serializable",
                warning="RuntimeWarning",
                warning_message="coroutine 'product_count' was never awaited",
            ),
            expected=(
                Expected(
                    "10:38-10:53",
                    "`product_count()` creates a coroutine of `product_count()` that is never awaited: the coroutine object is stored where its result belongs (a JSON response of it fails with TypeError: Object of type coroutine is not JSON serializable); from sync code run it as `async_to_sync(product_count)(...)`",
                ),
            ),
        ),
        Example(
            """\
from django.http import HttpResponse
from shop.models import Product


async def product_names():
    return [name async for name in Product.objects.values_list("name", flat=True)]


def catalogue(request):
    lines = [name.upper() for name in product_names()]
    return HttpResponse("\\n".join(lines))
""",
            Outcome(
                exception="builtins.TypeError",
                message="'coroutine' object is not iterable",
                warning="RuntimeWarning",
                warning_message="coroutine 'product_names' was never awaited",
            ),
            expected=(
                Expected(
                    "10:39-10:54",
                    "`product_names()` creates a coroutine of `product_names()` that is never awaited: a coroutine is not iterable (TypeError: 'coroutine' object is not iterable); from sync code run it as `async_to_sync(product_names)(...)`",
                ),
            ),
        ),
        Example(
            """\
from django.http import HttpResponse
from shop.models import Product


async def product_count():
    return await Product.objects.acount()


def stock(request):
    return HttpResponse(product_count())
""",
            Outcome(warning="RuntimeWarning", warning_message="coroutine 'product_count' was never awaited"),
            expected=(
                Expected(
                    "10:25-10:40",
                    "`product_count()` creates a coroutine of `product_count()` that is never awaited: `HttpResponse()` gets the coroutine object instead of its result; from sync code run it as `async_to_sync(product_count)(...)`",
                ),
            ),
        ),
        Example(
            """\
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product


async def publish_new():
    await Product.objects.filter(name="New").aupdate(available=True)


def create_product(request):
    product = Product.objects.create(name="New", price=1, available=False)
    transaction.on_commit(publish_new)
    return HttpResponse(product.pk)
""",
            Outcome(warning="RuntimeWarning", warning_message="coroutine 'publish_new' was never awaited"),
            expected=(
                Expected(
                    "12:27-12:38",
                    "`publish_new` is an async function handed to Django's `transaction.on_commit()`, which calls it from sync code without awaiting: each call makes a coroutine that never runs; hand it a sync function",
                ),
            ),
        ),
        Example(
            """\
from django.http import HttpResponse

HANDLERS = {}


def on_missing(handler):
    HANDLERS["missing"] = handler
    return handler


@on_missing
async def missing(request):
    return HttpResponse("gone", status=404)


def shelf(request):
    return HANDLERS["missing"](request)
""",
            Outcome(
                exception="builtins.ValueError",
                message="It returned an unawaited coroutine instead",
                warning="RuntimeWarning",
                warning_message="coroutine 'missing' was never awaited",
            ),
            expected=(
                Expected(
                    "11:1-11:12",
                    '`missing` is an `async def` stored in `HANDLERS`, whose entries `shelf()` calls from sync code without awaiting them (`HANDLERS["missing"](request)`): each call makes a coroutine of `missing()` that never runs, and the caller gets the coroutine where it expects the result; register a sync function there, or call the registry\'s entries from async code that awaits them',
                ),
            ),
        ),
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from shop.models import Product


def rename(pk):
    Product.objects.filter(pk=pk).update(name="Renamed")


def for_each(pks, callback):
    for pk in pks:
        callback(pk)


def rename_all(request):
    for_each(Product.objects.values_list("pk", flat=True), sync_to_async(rename))
    return HttpResponse("renamed")
""",
            Outcome(
                warning="RuntimeWarning", warning_message="coroutine 'SyncToAsync.__call__' was never awaited"
            ),
            expected=(
                Expected(
                    "16:60-16:81",
                    "`sync_to_async(rename)` is a sync_to_async wrapper handed to `for_each()`, which calls it from sync code without awaiting (`callback(pk)`): each call makes a coroutine that never runs; pass `rename` itself, the callee is sync code",
                ),
            ),
        ),
        Example(
            """\
from django.http import HttpResponseForbidden


async def refuse_bots(request):
    if "bot" in request.headers.get("User-Agent", ""):
        return HttpResponseForbidden()
    return None


class BotFilterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        return refuse_bots(request)
""",
            RETURNS_COROUTINE,
            expected=(
                Expected(
                    "18:16-18:36",
                    "`refuse_bots(request)` creates a coroutine of `refuse_bots()` that is never awaited: Django gets a coroutine where it expects a response; from sync code run it as `async_to_sync(refuse_bots)(...)`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponseForbidden


async def refuse_bots(request):
    if "bot" in request.headers.get("User-Agent", ""):
        return HttpResponseForbidden()
    return None


class BotFilterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    async def process_view(self, request, view_func, view_args, view_kwargs):
        return await refuse_bots(request)
"""
        ),
        Example(
            """\
from asgiref.sync import async_to_sync
from django.http import HttpResponse, JsonResponse
from shop.models import Product


async def rename_all(name):
    await Product.objects.aupdate(name=name)


async def product_count():
    return await Product.objects.acount()


async def rename(request):
    await rename_all("Renamed")
    return HttpResponse(status=200)


def stats(request):
    return JsonResponse({"products": async_to_sync(product_count)()})
"""
        ),
        Example(
            """\
from django.http import HttpResponse
from shop.models import Product


def rename(pk):
    Product.objects.filter(pk=pk).update(name="Renamed")


def for_each(pks, callback):
    for pk in pks:
        callback(pk)


def rename_all(request):
    for_each(Product.objects.values_list("pk", flat=True), rename)
    return HttpResponse("renamed")
"""
        ),
    )

    def visit_Module(self, node: cst.Module) -> None:
        if self.ctx.judging_helper:
            return
        for registration, caller in registrations(node):
            self.report(
                registration.node,
                f"`{registration.handler}` is an `async def` stored in `{registration.registry}`, whose "
                f"entries `{caller.function}()` calls from sync code without awaiting them "
                f"(`{self.ctx.snippet(caller.call)}`): each call makes a coroutine of `{registration.handler}()` "
                "that never runs, and the caller gets the coroutine where it expects the result; register a "
                "sync function there, or call the registry's entries from async code that awaits them",
            )

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.judging_helper:
            return
        self._handed_to_sync_code(node)
        made = self._coroutine_of(node)
        if made is None:
            return
        problem = self._problem(node)
        if problem is None:
            return
        text = self.ctx.snippet(node)
        outer = self.ctx.parent(2)
        handed_to_async_to_sync = (
            isinstance(self.ctx.parent(), cst.Arg)
            and isinstance(outer, cst.Call)
            and is_async_to_sync(self.ctx, outer)
        )
        if self.ctx.on_loop:
            advice = f"write `await {text}`"
        elif isinstance(node.func, cst.Call):
            advice = "call the function itself here, it is sync code"
        elif handed_to_async_to_sync:
            advice = (
                f"pass the function and call the wrapper: `async_to_sync({self.ctx.snippet(node.func)})(...)`"
            )
        else:
            advice = f"from sync code run it as `async_to_sync({self.ctx.snippet(node.func)})(...)`"
        # `await` where the code is an `async def` body: not for a coroutine handed to async_to_sync.
        awaitable = can_await(self.ctx) and not handed_to_async_to_sync
        fix = (
            Fix("Add `await`", Safety.SAFE, tuple(await_call(node, self.ctx.parent()))) if awaitable else None
        )
        self.report(
            node,
            f"`{text}` creates a coroutine of {made} that is never awaited: {problem}; {advice}",
            fix=fix,
        )

    def _handed_to_sync_code(self, call: cst.Call) -> None:
        """An `async def` or a `sync_to_async(f)` wrapper passed to a sync project function that
        calls it without awaiting, or to Django's `transaction.on_commit()`."""
        if not call.args:
            return
        callee = self.ctx.infer(call.func)
        if qualname_of(callee) in _SYNC_CALLBACK_RUNNERS:
            for arg in call.args:
                if not arg.star and (arg.keyword is None or arg.keyword.value == "func"):
                    wrapped = self._async_callable(arg.value)
                    if wrapped is not None:
                        self._report_handed(arg, wrapped, f"Django's `{self.ctx.snippet(call.func)}()`", "")
                    return
            return
        ref = project_function(self.ctx.index, callee)
        if ref is None or self.ctx.index.functions.call_kind(ref) != "sync":
            return
        for arg in call.args:
            if arg.star:
                continue
            wrapped = self._async_callable(arg.value)
            if wrapped is None:
                continue
            caller = callback_caller(self.ctx, arg, call, ref, callee)
            if caller is not None:
                self._report_handed(
                    arg, wrapped, f"`{caller.function}`", f" (`{self.ctx.snippet(caller.call)}`)"
                )

    def _report_handed(
        self, arg: cst.Arg, wrapped: cst.BaseExpression | bool, caller: str, where: str
    ) -> None:
        if isinstance(wrapped, cst.BaseExpression):
            kind = "a sync_to_async wrapper"
            advice = f"pass `{self.ctx.snippet(wrapped)}` itself, the callee is sync code"
        else:
            kind, advice = "an async function", "hand it a sync function"
        self.report(
            arg.value,
            f"`{self.ctx.snippet(arg.value)}` is {kind} handed to {caller}, which calls it from sync "
            f"code without awaiting{where}: each call makes a coroutine that never runs; {advice}",
        )

    def _async_callable(self, expr: cst.BaseExpression) -> cst.BaseExpression | bool | None:
        """What `sync_to_async(f)` wraps (`f`), also through a name bound to the wrapper; True for
        a project `async def` (or a `@sync_to_async` one); None for anything else."""
        if isinstance(expr, cst.Call):
            if expr.args and qualname_of(self.ctx.infer(expr.func)) in SYNC_TO_ASYNC:
                return expr.args[0].value
            return None
        if isinstance(expr, cst.Name):
            found = self.ctx.scope.lookup(expr.value)
            bindings = found[1] if found is not None else []
            if len(bindings) == 1 and isinstance(bindings[0], ValueBinding):
                bound = bindings[0].node
                if isinstance(bound, cst.Call):
                    return self._async_callable(bound)
        elif not isinstance(expr, cst.Attribute):
            return None
        ref = project_function(self.ctx.index, self.ctx.infer(expr))
        if ref is None or is_generator(self.ctx.project, ref):
            return None
        return True if self.ctx.index.functions.call_kind(ref) in ("async", "thread") else None

    def _coroutine_of(self, call: cst.Call) -> str | None:
        """What coroutine the call creates, as the message names it; None when it makes none."""
        func = call.func
        if isinstance(func, cst.Call) and qualname_of(self.ctx.infer(func.func)) in SYNC_TO_ASYNC:
            return f"`{self.ctx.snippet(func)}`"
        if isinstance(func, cst.Name) and func.value == GET_RESPONSE and self._async_middleware_param():
            return "the next middleware or view"
        if isinstance(func, cst.Attribute):
            if func.attr.value in _LAYER_METHODS and made_by(
                self.ctx, func.value, "channel_layer", _CHANNEL_LAYERS
            ):
                return f"the channel layer's `{func.attr.value}()`"
            if func.attr.value in _CLIENT_METHODS and made_by(
                self.ctx, func.value, "async_client", _ASYNC_CLIENTS
            ):
                return f"`AsyncClient.{func.attr.value}()`"
            if (
                func.attr.value == GET_RESPONSE
                and isinstance(func.value, cst.Name)
                and func.value.value == "self"
                and self.ctx.on_loop
                and self._in_method()
            ):
                return "the next middleware or view"
        if resolved(self.ctx, func) in _DJANGO_ASYNC_FUNCTIONS:
            return f"`{self.ctx.snippet(func)}()`"
        index = self.ctx.index
        ref = project_function(index, self.ctx.infer(func))
        if ref is None:
            return None
        kind = index.functions.call_kind(ref)
        if kind == "thread" or (kind == "async" and not is_generator(self.ctx.project, ref)):
            return f"`{ref.decl.key}()`"
        return None

    def _problem(self, call: cst.Call) -> str | None:
        """What goes wrong with the coroutine where `call` sits, or None when it may be awaited later."""
        parent = self.ctx.parent()
        if isinstance(parent, cst.Expr):
            return "its work never runs"
        if isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.Assert)) and parent.test is call:
            return "a coroutine is always true, so the test passes without running it"
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
            return "a coroutine is always true, so the `not` test is always False and the check it makes never fails"
        if isinstance(parent, cst.BooleanOperation):
            return "a coroutine is always true, so the test passes without running it"
        if isinstance(parent, cst.Subscript) and parent.value is call:
            return "a coroutine cannot be subscripted (TypeError)"
        if isinstance(parent, cst.Attribute) and parent.value is call:
            if parent.attr.value in _COROUTINE_METHODS:
                return None
            return f"a coroutine has no attribute `{parent.attr.value}` (AttributeError)"
        if isinstance(parent, (cst.Comparison, cst.BinaryOperation, cst.FormattedStringExpression)):
            return "the coroutine object is used as if it were the result"
        if isinstance(parent, cst.Return) and self._returns_to_django():
            return "Django gets a coroutine where it expects a response"
        if isinstance(parent, cst.DictElement) and parent.value is call and not self.ctx.on_loop:
            return (
                "the coroutine object is stored where its result belongs (a JSON response of it fails with "
                "TypeError: Object of type coroutine is not JSON serializable)"
            )
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is call and parent.asynchronous is None:
            return "a coroutine is not iterable (TypeError: 'coroutine' object is not iterable)"
        outer = self.ctx.parent(2)
        if isinstance(parent, cst.Arg) and isinstance(outer, cst.Call) and is_async_to_sync(self.ctx, outer):
            return (
                "`async_to_sync` takes the async function, and calling it with a coroutine raises "
                "TypeError: 'coroutine' object is not callable"
            )
        if isinstance(parent, cst.Arg) and isinstance(outer, cst.Call) and self._takes_values(outer):
            return f"`{self.ctx.snippet(outer.func)}()` gets the coroutine object instead of its result"
        if isinstance(parent, cst.Assign) and self._assigned_and_dropped(parent):
            return "the name holds the coroutine, and it is only read as if it were the result"
        return None

    def _takes_values(self, call: cst.Call) -> bool:
        """A builtin or a Django response class, which use what they get as a value: never a
        coroutine runner (`asyncio.run`, `gather`, a task)."""
        callee = self.ctx.infer(call.func)
        if isinstance(callee, Builtin):
            return callee.name in _VALUE_BUILTINS
        return qualname_of(callee) in _RESPONSE_CLASSES

    def _assigned_and_dropped(self, assign: cst.Assign) -> bool:
        """`x = f()` where `x` is never awaited, passed on, returned or stored, only read from."""
        function = self.ctx.scope.function
        if (
            len(assign.targets) != 1
            or not isinstance(assign.targets[0].target, cst.Name)
            or function is None
            or not isinstance(function.node, (cst.FunctionDef, cst.Lambda))
        ):
            return False
        return not coroutine_consumed(function.node, assign.targets[0].target.value)

    def _returns_to_django(self) -> bool:
        """Whether a `return` here hands its value to Django: a view, or async middleware's own call."""
        function = self.ctx.scope.function
        if function is None or not isinstance(function.node, cst.FunctionDef):
            return False
        if function.is_async_function and (self._async_middleware_param() or self._in_method()):
            return True
        if function.node.name.value in MIDDLEWARE_HOOKS and self._in_middleware_class():
            return True
        params = function.node.params.params
        return bool(params) and params[0].name.value == "request"

    def _in_middleware_class(self) -> bool:
        """Whether the function is a method of a module-level middleware class, whose hooks
        Django calls and whose results it takes as responses."""
        function = self.ctx.scope.function
        owner = function.parent if function is not None else None
        if owner is None or not isinstance(owner.node, cst.ClassDef):
            return False
        found = module_class(self.ctx, owner.node, owner)
        return found is not None and is_middleware(self.ctx, found[0], found[1].middleware_param)

    def _async_middleware_param(self) -> bool:
        """`get_response` here is a middleware factory's parameter, called from an `async def` inside it."""
        function = self.ctx.scope.function
        if function is None or not function.is_async_function:
            return False
        found = function.lookup(GET_RESPONSE)
        return found is not None and found[0] is not function and isinstance(found[1][0], ParamBinding)

    def _in_method(self) -> bool:
        function = self.ctx.scope.function
        return function is not None and isinstance(
            function.parent.node if function.parent else None, cst.ClassDef
        )
