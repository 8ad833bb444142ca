"""ADJ602: a function middleware factory returning `async def` without an async decorator."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import AddImport, Fix, FixAvailability, InsertBefore, Safety
from asyncdj_lint.rules._fixes import importable
from asyncdj_lint.rules._request_path import SYNC_ONLY, middleware_factory
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity

_IMPORT = "from django.utils.decorators import async_only_middleware\n"
_FACTORY = """\
def timing_middleware(get_response):
    async def middleware(request):
        response = await get_response(request)
        response["X-Timed"] = "1"
        return response

    return middleware
"""


class UndecoratedAsyncMiddlewareFactory(Rule):
    code = "ADJ602"
    name = "undecorated-async-middleware-factory"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A middleware factory returns an `async def` middleware but is not marked async-capable."
    why = (
        "A function middleware is sync-only unless a decorator from `django.utils.decorators` "
        "says otherwise: Django reads the flags from the factory, not from the function it "
        "returns. With an `async def` inner function and no decorator, under ASGI the first "
        "request fails while Django builds the middleware chain (`TypeError: sync_to_async can "
        "only be applied to sync functions.`); under WSGI every request gets a coroutine "
        "instead of a response. Decorate the factory with `@async_only_middleware` (or "
        "`@sync_and_async_middleware` with a branch on `iscoroutinefunction(get_response)`)."
    )
    django_versions = "3.1 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The factory is decorated with `@async_only_middleware`, imported from "
        "`django.utils.decorators`: the fix is safe, Django then passes the factory an async "
        "`get_response` and awaits the `async def` middleware it returns, where every request "
        "failed. A factory that already has a decorator, that checks the mode itself, or where "
        "`async_only_middleware` names something else in the module has no fix."
    )
    invalid = (
        Example(
            _FACTORY,
            Outcome(
                exception="builtins.TypeError", message="sync_to_async can only be applied to sync functions."
            ),
            expected=(
                Expected(
                    "1:5-1:22",
                    "`timing_middleware` returns an `async def` middleware but is sync-only (no `@async_only_middleware` / `@sync_and_async_middleware`): under ASGI the first request fails with `TypeError: sync_to_async can only be applied to sync functions.`, under WSGI every request gets a coroutine instead of a response; decorate it with `@async_only_middleware`",
                ),
            ),
            fixed=f"{_IMPORT}\n@async_only_middleware\n{_FACTORY}",
        ),
    )
    valid = (Example(f"{_IMPORT}\n\n@async_only_middleware\n{_FACTORY}"),)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        found = middleware_factory(self.ctx, node)
        if found is None:
            return
        _, facts, flags = found
        inner = facts.middleware_inner
        if inner is None or not inner.is_async or flags != SYNC_ONLY:
            return
        self.report(
            node.name,
            f"`{node.name.value}` returns an `async def` middleware but is sync-only (no "
            "`@async_only_middleware` / `@sync_and_async_middleware`): under ASGI the first request "
            "fails with `TypeError: sync_to_async can only be applied to sync functions.`, under WSGI every "
            "request gets a coroutine instead of a response; decorate it with `@async_only_middleware`",
            fix=self._fix(node) if not facts.checks_mode else None,
        )

    def _fix(self, node: cst.FunctionDef) -> Fix | None:
        """`@async_only_middleware` on an undecorated factory, imported where the name is free."""
        module, decorator = "django.utils.decorators", "async_only_middleware"
        if node.decorators or not importable(self.ctx, module, decorator):
            return None
        edits = (InsertBefore(node, f"@{decorator}\n"), AddImport(module, decorator))
        return Fix("Decorate the factory with `@async_only_middleware`", Safety.SAFE, edits)
