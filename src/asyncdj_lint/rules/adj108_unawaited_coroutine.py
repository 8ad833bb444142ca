"""ADJ108: a coroutine that is never awaited: a project `async def`, a bridge, the channel layer."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.project_calls import is_generator, project_function
from asyncdj_lint.analysis.scopes import ParamBinding
from asyncdj_lint.facts.bridges import SYNC_TO_ASYNC, qualname_of
from asyncdj_lint.facts.django_async_api import AUTH_FUNCTIONS, AUTH_MODULE, SHORTCUTS
from asyncdj_lint.fixes import Fix, FixAvailability, Safety
from asyncdj_lint.rules._bridges import is_async_to_sync
from asyncdj_lint.rules._coroutines import coroutine_consumed
from asyncdj_lint.rules._fixes import await_call, can_await
from asyncdj_lint.rules._receivers import made_by
from asyncdj_lint.rules._request_path import GET_RESPONSE, resolved
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
        "a channel-layer method, Django's `a*` functions, `AsyncClient` requests."
    )
    why = (
        "Calling an `async def` only creates a coroutine; its body runs when the coroutine is "
        "awaited. A call used as a statement loses its work (Python prints `RuntimeWarning: "
        "coroutine ... was never awaited` when it is collected); a coroutine tested for truth "
        "is always true, so `if not can_edit(request):` lets everyone through; returned from a "
        "view it fails the request (`ValueError: ... It returned an unawaited coroutine "
        "instead.`); put in a response it fails to serialise (`TypeError: Object of type "
        "coroutine is not JSON serializable`). The same holds for `sync_to_async(f)(...)`, "
        "Django's `alogin()` and `aget_object_or_404()`, and the methods of a Channels "
        "layer (`channel_layer.group_send(...)` in sync code never sends the message), "
        "`AsyncClient` requests in tests (`response = self.async_client.get(url)` holds a "
        "coroutine, not a response), and "
        "for `get_response(request)` in an async middleware. `async_to_sync(f(x))` hands "
        "asgiref the coroutine instead of the function: `TypeError: 'coroutine' object is not "
        "callable`. In async code, `await` the call; "
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
    )
    valid = (
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
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.judging_helper:
            return
        made = self._coroutine_of(node)
        if made is None:
            return
        problem = self._problem(node)
        if problem is None:
            return
        text = self.ctx.snippet(node)
        if self.ctx.on_loop:
            advice = f"write `await {text}`"
        elif isinstance(node.func, cst.Call):
            advice = "call the function itself here, it is sync code"
        elif isinstance(self.ctx.parent(), cst.Arg):
            advice = (
                f"pass the function and call the wrapper: `async_to_sync({self.ctx.snippet(node.func)})(...)`"
            )
        else:
            advice = f"from sync code run it as `async_to_sync({self.ctx.snippet(node.func)})(...)`"
        # `await` where the code is an `async def` body: not for a coroutine handed to async_to_sync.
        awaitable = can_await(self.ctx) and not isinstance(self.ctx.parent(), cst.Arg)
        fix = (
            Fix("Add `await`", Safety.SAFE, tuple(await_call(node, self.ctx.parent()))) if awaitable else None
        )
        self.report(
            node,
            f"`{text}` creates a coroutine of {made} that is never awaited: {problem}; {advice}",
            fix=fix,
        )

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
        outer = self.ctx.parent(2)
        if isinstance(parent, cst.Arg) and isinstance(outer, cst.Call) and is_async_to_sync(self.ctx, outer):
            return (
                "`async_to_sync` takes the async function, and calling it with a coroutine raises "
                "TypeError: 'coroutine' object is not callable"
            )
        if isinstance(parent, cst.Assign) and self._assigned_and_dropped(parent):
            return "the name holds the coroutine, and it is only read as if it were the result"
        return None

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
        params = function.node.params.params
        return bool(params) and params[0].name.value == "request"

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
