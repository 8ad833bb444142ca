"""ADJ401: `sync_to_async(f(x))`: `f` runs where it is written, its result is wrapped."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import argument, callee_name, defined_function
from asyncdj_lint.analysis.values import ORM_LAZY, Coroutine, Instance, RowIterator, Tuple
from asyncdj_lint.fixes import Fix, FixAvailability, Replace, Safety
from asyncdj_lint.rules._bridges import bridge_name, is_sync_to_async
from asyncdj_lint.rules._orm import orm_receiver
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity
from asyncdj_lint.syntax.walk import children

# Builtins whose result is never callable.
_DATA_BUILTINS = frozenset(
    {"list", "tuple", "set", "frozenset", "dict", "len", "sorted", "str", "int", "float", "bool",
     "sum", "min", "max", "repr", "bytes", "any", "all"}
)  # fmt: skip
_PLAIN_VALUES = (
    cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Integer, cst.Float, cst.Imaginary,
    cst.List, cst.Tuple, cst.Dict, cst.Set, cst.ListComp, cst.SetComp, cst.DictComp,
    cst.BinaryOperation, cst.Comparison, cst.BooleanOperation, cst.UnaryOperation,
)  # fmt: skip
_ORM_RESULTS = (*ORM_LAZY, Instance, Coroutine, RowIterator, Tuple)


class SyncToAsyncOfCallResult(Rule):
    code = "ADJ401"
    name = "sync-to-async-of-call-result"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "`sync_to_async(f(x))` calls `f` right away and wraps its result."
    why = (
        "`sync_to_async` takes a function. Written `sync_to_async(f(x))`, Python calls `f(x)` "
        "first, where the line is, so in async code the blocking work runs on the event loop "
        "(database work raises `SynchronousOnlyOperation`), and then `sync_to_async` gets the "
        "result, which is not a function: `TypeError: sync_to_async can only be applied to "
        "sync functions.` Pass the function, then call the wrapper: `sync_to_async(f)(x)`. "
        "Reported only when the result is known not to be a function (a builtin's, an ORM "
        "call's, or one of the module's own functions that returns plain data)."
    )
    django_versions = "all"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The function is passed and the wrapper called with its arguments "
        "(`await sync_to_async(f(x))` and `await sync_to_async(f(x))()` become "
        "`await sync_to_async(f)(x)`): the fix is safe, it runs `f` where the code meant it to run, "
        "in a thread, where it raised TypeError. A wrapper neither awaited nor called on the spot, or "
        "called with arguments of its own, has no fix."
    )
    invalid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse


def shipping_quote(weight):
    return {"price": weight * 2}


async def quote(request):
    result = await sync_to_async(shipping_quote(3))()
    return JsonResponse(result)
""",
            Outcome(
                exception="builtins.TypeError", message="sync_to_async can only be applied to sync functions."
            ),
            expected=(
                Expected(
                    "10:20-10:52",
                    "`sync_to_async(shipping_quote(3))` calls `shipping_quote` right here on the event loop and passes its result, which is not a function, to sync_to_async: TypeError (sync_to_async can only be applied to sync functions); pass the function and call the wrapper: `await sync_to_async(shipping_quote)(...)`",
                ),
            ),
            fixed="""\
from asgiref.sync import sync_to_async
from django.http import JsonResponse


def shipping_quote(weight):
    return {"price": weight * 2}


async def quote(request):
    result = await sync_to_async(shipping_quote)(3)
    return JsonResponse(result)
""",
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse


def shipping_quote(weight):
    return {"price": weight * 2}


async def quote(request):
    result = await sync_to_async(shipping_quote)(3)
    return JsonResponse(result)
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not is_sync_to_async(self.ctx, node):
            return
        inner = argument(node, 0, "func")
        if not isinstance(inner, cst.Call) or not self._result_is_not_callable(inner):
            return
        function = self.ctx.snippet(inner.func)
        where = " on the event loop" if self.ctx.on_loop else ""
        bridge = bridge_name(node)
        self.report(
            node,
            f"`{self.ctx.snippet(node)}` calls `{function}` right here{where} and passes its result, "
            f"which is not a function, to {bridge}: TypeError (sync_to_async can only be applied to sync "
            f"functions); pass the function and call the wrapper: `await {bridge}({function})(...)`",
            fix=self._fix(node, inner),
        )

    def _fix(self, bridge: cst.Call, inner: cst.Call) -> Fix | None:
        """`sync_to_async(f(x))` -> `sync_to_async(f)(x)`, where the wrapper is awaited or called bare."""
        parent = self.ctx.parent()
        passed = [arg.with_changes(value=inner.func) if arg.value is inner else arg for arg in bridge.args]
        wrapper = bridge.with_changes(args=passed, lpar=(), rpar=())
        if isinstance(parent, cst.Await) and parent.expression is bridge:
            target: cst.BaseExpression = bridge  # `await sync_to_async(f(x))`
        elif isinstance(parent, cst.Call) and parent.func is bridge and not parent.args:
            target = parent  # `sync_to_async(f(x))()`
        else:
            return None
        called = cst.Call(func=wrapper, args=inner.args)
        edit = Replace(target, self.ctx.module.code_for_node(called))
        return Fix("Pass the function, call the wrapper", Safety.SAFE, (edit,))

    def _result_is_not_callable(self, call: cst.Call) -> bool:
        name = callee_name(self.ctx, call) or ""
        if name.startswith("builtins.") and name.removeprefix("builtins.") in _DATA_BUILTINS:
            return True
        if orm_receiver(self.ctx, call) is not None or isinstance(self.ctx.infer(call), _ORM_RESULTS):
            return True
        return _returns_plain_data(defined_function(call.func, self.ctx.scope))


def _returns_plain_data(function: cst.FunctionDef | None) -> bool:
    """A plain sync `def` whose every `return` gives a literal, a container or an operation's result."""
    if function is None or function.asynchronous is not None or function.decorators:
        return False
    pending = list(children(function.body))
    while pending:
        node = pending.pop()
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False  # it may return what it defines
        if isinstance(node, cst.Return) and node.value is not None and not _is_plain(node.value):
            return False
        pending.extend(children(node))
    return True


def _is_plain(value: cst.BaseExpression) -> bool:
    return isinstance(value, _PLAIN_VALUES) or (
        isinstance(value, cst.Name) and value.value in ("None", "True", "False")
    )
