"""ADJ601: a middleware class with `async def __call__` that Django runs as sync middleware."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import Fix, FixAvailability, Safety
from asyncdj_lint.rules._fixes import insert_at_top
from asyncdj_lint.rules._request_path import SYNC_ONLY, middleware_class
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity


class AsyncCallInSyncMiddleware(Rule):
    code = "ADJ601"
    name = "async-call-in-sync-middleware"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A middleware class defines `async def __call__` but its flags make it sync-only."
    why = (
        "Django decides how to call a middleware from the flags on its class, never from "
        "`__call__`: `sync_capable` defaults to True and `async_capable` to False. A class "
        "with `async def __call__` and no flags is sync-only middleware, so Django calls it "
        "like a function and gets a coroutine back instead of a response: every request "
        "fails (`AttributeError: 'coroutine' object has no attribute ...`, with `RuntimeWarning: "
        "coroutine ... was never awaited`), under ASGI and WSGI alike. Declare it async: "
        "`async_capable = True` and `sync_capable = False` on the class, or the "
        "`@async_only_middleware` decorator from `django.utils.decorators`; also call "
        "`markcoroutinefunction(self)` in `__init__` (ADJ604)."
    )
    django_versions = "3.1 to 6.1"
    requires_text = (b"__call__",)
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "`sync_capable = False` and `async_capable = True` are written at the top of the class body: "
        "the fix is safe, Django then calls the middleware as the async code it is, where every "
        "request failed. A class that sets either flag itself, is decorated, or whose body is on one "
        "line has no fix."
    )
    invalid = (
        Example(
            """\
import asyncio


class TimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        await asyncio.sleep(0)
        response = await self.get_response(request)
        response["X-Timed"] = "1"
        return response
""",
            Outcome(
                exception="builtins.AttributeError",
                message="'coroutine' object has no attribute",
                warning="RuntimeWarning",
                warning_message="was never awaited",
            ),
            expected=(
                Expected(
                    "4:7-4:23",
                    "`TimingMiddleware` defines `async def __call__` but is sync-only middleware (sync_capable=True, async_capable=False): Django calls it as sync and every request fails with AttributeError: 'coroutine' object has no attribute ...; set `async_capable = True` and `sync_capable = False` on the class (or decorate it with `@async_only_middleware`)",
                ),
            ),
            fixed="""\
import asyncio


class TimingMiddleware:
    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        await asyncio.sleep(0)
        response = await self.get_response(request)
        response["X-Timed"] = "1"
        return response
""",
        ),
    )
    valid = (
        Example(
            """\
import asyncio

from asgiref.sync import markcoroutinefunction


class TimingMiddleware:
    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request):
        await asyncio.sleep(0)
        response = await self.get_response(request)
        response["X-Timed"] = "1"
        return response
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        found = middleware_class(self.ctx, node)
        if found is None:
            return
        _, facts, flags = found
        if facts.call is None or not facts.call.is_async or flags != SYNC_ONLY:
            return
        name = node.name.value
        self.report(
            node.name,
            f"`{name}` defines `async def __call__` but is sync-only middleware (sync_capable=True, "
            "async_capable=False): Django calls it as sync and every request fails with "
            "AttributeError: 'coroutine' object has no attribute ...; set `async_capable = True` and "
            "`sync_capable = False` on the class (or decorate it with `@async_only_middleware`)",
            fix=self._fix(node),
        )

    def _fix(self, node: cst.ClassDef) -> Fix | None:
        """The two flags before the first statement of the class body after its docstring."""
        if node.decorators or not isinstance(node.body, cst.IndentedBlock) or _sets_a_flag(node.body):
            return None
        flags = insert_at_top(self.ctx, node, ["sync_capable = False", "async_capable = True", ""])
        return Fix("Mark the class async-only", Safety.SAFE, (flags,)) if flags is not None else None


def _sets_a_flag(body: cst.IndentedBlock) -> bool:
    """Whether the class body assigns `sync_capable` or `async_capable` itself."""
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets = (
                    [t.target for t in small.targets]
                    if isinstance(small, cst.Assign)
                    else [small.target]
                    if isinstance(small, cst.AnnAssign)
                    else []
                )
                if any(
                    isinstance(t, cst.Name) and t.value in ("sync_capable", "async_capable") for t in targets
                ):
                    return True
    return False
