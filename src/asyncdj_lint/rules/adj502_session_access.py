"""ADJ502: `request.session` read or written on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.requests import is_request_attribute
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import AddImport, Fix, FixAvailability, NodeEdit, Replace, Safety
from asyncdj_lint.rules._fixes import await_twin, bridge_fix, can_await, importable
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity

# Session methods that only read or write the loaded session data (its cache); the others
# (`save`, `flush`, `cycle_key`, `exists`, ...) go to the store every time.
_LOADS_ONLY = frozenset(
    {
        "get", "pop", "setdefault", "update", "keys", "values", "items", "has_key",
        "set_expiry", "get_expiry_age", "get_expiry_date", "get_expire_at_browser_close",
        "set_test_cookie", "test_cookie_worked", "delete_test_cookie",
    }
)  # fmt: skip


class SessionAccess(Rule):
    code = "ADJ502"
    name = "session-access"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "`request.session` is read or written with its sync API in async code."
    why = (
        "The session loads lazily from its store on first use. With the default "
        "database engine (and `cached_db`), reading or writing it on the event loop raises "
        "`SynchronousOnlyOperation` for any request that carries a session cookie; file "
        "and cache engines block the loop instead. Django 5.1 added async session methods "
        "(`aget`, `aset`, `apop`, `aitems`, `aflush`, `acycle_key`, ...); there is no async "
        "form of `session[key]`, `key in session` or `del session[key]`."
    )
    needs = (
        "Only the function's own code, in source order: once an awaited async method "
        "(`await request.session.aget(...)`, `aset`, `ahas_key`, ...) has loaded the session in a "
        "function, later `session[key]`, `key in session` and item methods (`get`, `pop`, "
        "`set_expiry`, ...) in that function only touch the loaded data and are not reported; "
        "`save()`, `flush()`, `cycle_key()` and the other store methods still are."
    )
    django_versions = "4.1 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "When the target Django version has async session methods (5.1+), a method call is replaced "
        "by its awaited twin (`request.session.get(key)` becomes `await request.session.aget(key)`), "
        "`session[key] = value` becomes `await session.aset(key, value)`, `del session[key]` "
        "`await session.apop(key)` and `key in session` `await session.ahas_key(key)`: these fixes "
        "are safe, each does what the sync form does (SessionBase's own code: `__setitem__` and "
        "`aset`, `__delitem__` and `pop`, `__contains__` and `has_key` touch the same dict and the "
        "same `modified` flag). Before 5.1 the same work runs in a thread: `await "
        "sync_to_async(request.session.get)(key)`, and for the forms with no method of their own "
        "`await sync_to_async(session.update)({key: value})`, `await sync_to_async(session.pop)(key)`, "
        "`await sync_to_async(session.has_key)(key)`; these fixes are unsafe, the session loads in "
        "another thread. Reading `session[key]` has no fix (`aget()` returns None where `[]` raises "
        "KeyError), nor has `session[key] += value`, an assignment to several targets, a key that is "
        "not a literal or a name (it would be evaluated before the value), a comparison chain, nor "
        "code where `await` cannot be written."
    )
    invalid = (
        Example(
            """\
from django.http import JsonResponse


async def cart(request):
    return JsonResponse({"cart": request.session.get("cart", [])})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "5:34-5:65",
                    "`request.session.get()` loads the session from its store on the event loop; with database sessions it raises SynchronousOnlyOperation; use `await request.session.aget(...)`",
                ),
            ),
            fixed="""\
from django.http import JsonResponse


async def cart(request):
    return JsonResponse({"cart": await request.session.aget("cart", [])})
""",
        ),
        Example(
            """\
from django.http import HttpResponse


async def add_to_cart(request, pk):
    request.session["cart"] = [pk]
    return HttpResponse("added")
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "5:5-5:28",
                    "`request.session[...]` loads the session from its store on the event loop; with database sessions it raises SynchronousOnlyOperation; use `await request.session.aset(key, value)`",
                ),
            ),
            fixed="""\
from django.http import HttpResponse


async def add_to_cart(request, pk):
    await request.session.aset("cart", [pk])
    return HttpResponse("added")
""",
        ),
        Example(
            """\
from django.http import HttpResponse


async def add_to_cart(request, pk):
    cart = request.session.get("cart", [])
    request.session["cart"] = [*cart, pk]
    return HttpResponse(status=204)
""",
            RAISES_SYNC_ONLY,
            files=(("requirements.txt", "Django>=4.2,<5.0\n"),),
            expected=(
                Expected(
                    "5:12-5:43",
                    "`request.session.get()` loads the session from its store on the event loop; with database sessions it raises SynchronousOnlyOperation; use `await sync_to_async(request.session.get)(...)` (the target, Django 4.2, predates the async variant of 5.1)",
                ),
                Expected(
                    "6:5-6:28",
                    "`request.session[...]` loads the session from its store on the event loop; with database sessions it raises SynchronousOnlyOperation; use `await sync_to_async(request.session.update)({key: value})` (the target, Django 4.2, predates the async variant of 5.1)",
                ),
            ),
            fixed="""\
from django.http import HttpResponse
from asgiref.sync import sync_to_async


async def add_to_cart(request, pk):
    cart = await sync_to_async(request.session.get)("cart", [])
    await sync_to_async(request.session.update)({"cart": [*cart, pk]})
    return HttpResponse(status=204)
""",
        ),
    )
    valid = (
        Example(
            """\
from django.http import JsonResponse


async def cart(request):
    return JsonResponse({"cart": await request.session.aget("cart", [])})
"""
        ),
        Example(
            """\
from django.http import HttpResponse


async def add_to_cart(request, pk):
    await request.session.aset("cart", [pk])
    return HttpResponse("added")
"""
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        # The functions whose session an awaited async method has loaded so far, in source order.
        self._loaded: set[int] = set()

    def visit_Await(self, node: cst.Await) -> None:
        call = node.expression
        func = call.func if isinstance(call, cst.Call) else None
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value.startswith("a")
            and func.attr.value[1:] in _LOADS_ONLY | {"set"}
            and self._is_session(func.value)
        ) or self._bridged_load(func):
            self._loaded.add(self._function_id())

    def _bridged_load(self, func: cst.BaseExpression | None) -> bool:
        """`sync_to_async(request.session.get)`: the session loaded in the thread (the fix before 5.1)."""
        if not (isinstance(func, cst.Call) and func.args and self.ctx.is_bridge_call(func)):
            return False
        method = func.args[0].value
        return (
            isinstance(method, cst.Attribute)
            and method.attr.value in _LOADS_ONLY
            and self._is_session(method.value)
        )

    def _function_id(self) -> int:
        return id(self.ctx.scope.function_node)

    def _already_loaded(self) -> bool:
        """An earlier `await request.session.aget(...)` in the function filled the session's cache:
        items are read and written there, no store is touched."""
        return self._function_id() in self._loaded

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in api.SESSION_METHODS):
            return
        if func.attr.value in _LOADS_ONLY and self._already_loaded():
            return
        if self._is_session(func.value):
            method = func.attr.value
            session = self.ctx.snippet(func.value)
            twin = api.SESSION_METHODS[method]
            fix = (
                await_twin(self.ctx, node, twin)
                if api.has(self.ctx.options, api.SESSION_METHODS_SINCE)
                else bridge_fix(self.ctx, node)
            )
            self._report(
                node,
                f"`{session}.{method}()`",
                f"`await {session}.{twin}(...)`",
                fix,
                f"`await sync_to_async({session}.{method})(...)`",
            )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if self._is_session(node.value) and not self._already_loaded():
            session = self.ctx.snippet(node.value)
            native, bridged = self._async_item_method(node, session)
            self._report(node, f"`{session}[...]`", native, self._item_fix(node), bridged)

    def _item_fix(self, node: cst.Subscript) -> Fix | None:
        """`session[key] = value` -> `await session.aset(key, value)`, `del session[key]` ->
        `await session.apop(key)` (5.1+); before, the sync method that does the same, in a thread."""
        key = _plain_key(node)
        parent, grandparent = self.ctx.parent(), self.ctx.parent(2)
        if key is None:
            return None
        if isinstance(parent, cst.AssignTarget) and isinstance(grandparent, cst.Assign):
            if len(grandparent.targets) != 1:
                return None
            statement: cst.CSTNode = grandparent
            value = self._code(grandparent.value)
            native, bridged = ("aset", f"{key}, {value}"), ("update", f"{{{key}: {value}}}")
        elif isinstance(parent, cst.Del) and parent.target is node:
            statement = parent
            native, bridged = ("apop", key), ("pop", key)
        else:
            return None
        return self._statement_fix(statement, node.value, native, bridged)

    def _statement_fix(
        self,
        replaced: cst.CSTNode,
        session: cst.BaseExpression,
        native: tuple[str, str],
        bridged: tuple[str, str],
        prefix: str = "",
    ) -> Fix | None:
        """`replaced` -> `await session.<native>(args)` (5.1+, safe), else
        `await sync_to_async(session.<bridged>)(args)` (unsafe)."""
        if not can_await(self.ctx):
            return None
        receiver = self._code(session)
        if api.has(self.ctx.options, api.SESSION_METHODS_SINCE):
            method, args = native
            text = f"{prefix}await {receiver}.{method}({args})"
            return Fix(f"Await `{method}()`", Safety.SAFE, (Replace(replaced, text),))
        if not importable(self.ctx, "asgiref.sync", "sync_to_async"):
            return None
        method, args = bridged
        edits: list[NodeEdit] = [
            Replace(replaced, f"{prefix}await sync_to_async({receiver}.{method})({args})"),
            AddImport("asgiref.sync", "sync_to_async"),
        ]
        return Fix(f"Run `{self.ctx.snippet(session)}.{method}()` in a thread", Safety.UNSAFE, tuple(edits))

    def _code(self, node: cst.CSTNode) -> str:
        return self.ctx.module.code_for_node(node)

    def _async_item_method(self, node: cst.Subscript, session: str) -> tuple[str, str | None]:
        """The async method for what the subscript does (read, write or delete an item), and
        before 5.1 the sync method that does it in one call, run in a thread."""
        parent = self.ctx.parent()
        if isinstance(parent, cst.Del):
            return f"`await {session}.apop(key)`", f"`await sync_to_async({session}.pop)(key)`"
        if isinstance(parent, cst.AssignTarget):
            return (
                f"`await {session}.aset(key, value)`",
                f"`await sync_to_async({session}.update)({{key: value}})`",
            )
        if isinstance(parent, cst.AugAssign):
            return f"`await {session}.aset(key, value)`", None
        return f"`await {session}.aget(key)`", None

    def visit_ComparisonTarget(self, node: cst.ComparisonTarget) -> None:
        if (
            isinstance(node.operator, (cst.In, cst.NotIn))
            and self._is_session(node.comparator)
            and not self._already_loaded()
        ):
            session = self.ctx.snippet(node.comparator)
            self._report(
                node,
                f"`key in {session}`",
                f"`await {session}.ahas_key(key)`",
                self._contains_fix(node),
                f"`await sync_to_async({session}.has_key)(key)`",
            )

    def _contains_fix(self, node: cst.ComparisonTarget) -> Fix | None:
        """`key in session` -> `await session.ahas_key(key)` (`not in`: `not await ...`)."""
        comparison = self.ctx.parent()
        if not (isinstance(comparison, cst.Comparison) and len(comparison.comparisons) == 1):
            return None
        key = self._code(comparison.left)
        prefix = "not " if isinstance(node.operator, cst.NotIn) else ""
        return self._statement_fix(comparison, node.comparator, ("ahas_key", key), ("has_key", key), prefix)

    def _is_session(self, expr: cst.BaseExpression) -> bool:
        return self.ctx.on_loop and is_request_attribute(self.ctx, expr, "session")

    def _report(
        self, node: cst.CSTNode, what: str, native: str, fix: Fix | None = None, bridged: str | None = None
    ) -> None:
        advice = api.advise(
            self.ctx.options,
            api.SESSION_METHODS_SINCE,
            f"use {native}",
            f"use {bridged}" if bridged else "run the session work in `sync_to_async`",
        )
        self.report(
            node,
            f"{what} loads the session from its store on the event loop; with database sessions it "
            f"raises SynchronousOnlyOperation; {advice}",
            fix=fix,
        )


def _plain_key(node: cst.Subscript) -> str | None:
    """The key of `session[key]` as source, where evaluating it has no effect (a literal or a
    name): the fixes evaluate it before the value, where Python evaluated it after."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    index = node.slice[0].slice
    key = index.value
    if index.star is not None or not isinstance(
        key, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Name)
    ):
        return None
    if isinstance(key, cst.ConcatenatedString) and not all(
        isinstance(part, cst.SimpleString) for part in (key.left, key.right)
    ):
        return None
    return cst.Module([]).code_for_node(key)
