"""ADJ502: `request.session` read or written on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.requests import is_request_attribute
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import Fix, FixAvailability
from asyncdj_lint.rules._fixes import await_twin
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
        "by its awaited twin (`request.session.get(key)` becomes `await request.session.aget(key)`): "
        "the fix is safe, the twin does the same work. `session[key]`, `key in session` and "
        "`del session[key]` have no fix, nor a call where `await` cannot be written."
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
        ):
            self._loaded.add(self._function_id())

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
                else None
            )
            self._report(node, f"`{session}.{method}()`", f"`await {session}.{twin}(...)`", fix)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if self._is_session(node.value) and not self._already_loaded():
            session = self.ctx.snippet(node.value)
            self._report(node, f"`{session}[...]`", f"`await {session}.{self._async_item_method(node)}`")

    def _async_item_method(self, node: cst.Subscript) -> str:
        """The async method for what the subscript does: read, write or delete an item."""
        parent = self.ctx.parent()
        if isinstance(parent, cst.Del):
            return "apop(key)"
        if isinstance(parent, (cst.AssignTarget, cst.AugAssign)):
            return "aset(key, value)"
        return "aget(key)"

    def visit_ComparisonTarget(self, node: cst.ComparisonTarget) -> None:
        if (
            isinstance(node.operator, (cst.In, cst.NotIn))
            and self._is_session(node.comparator)
            and not self._already_loaded()
        ):
            session = self.ctx.snippet(node.comparator)
            self._report(node, f"`key in {session}`", f"`await {session}.ahas_key(key)`")

    def _is_session(self, expr: cst.BaseExpression) -> bool:
        return self.ctx.on_loop and is_request_attribute(self.ctx, expr, "session")

    def _report(self, node: cst.CSTNode, what: str, native: str, fix: Fix | None = None) -> None:
        advice = api.advise(
            self.ctx.options,
            api.SESSION_METHODS_SINCE,
            f"use {native}",
            "run the session work in `sync_to_async`",
        )
        self.report(
            node,
            f"{what} loads the session from its store on the event loop; with database sessions it "
            f"raises SynchronousOnlyOperation; {advice}",
            fix=fix,
        )
