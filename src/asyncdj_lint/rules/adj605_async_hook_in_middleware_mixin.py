"""ADJ605: `async def process_request` / `process_response` on a MiddlewareMixin subclass."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import Fix, FixAvailability, Replace, Safety
from asyncdj_lint.rules._request_path import module_class, request_path
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity

_MIXIN_HOOKS = ("process_request", "process_response")


class AsyncHookInMiddlewareMixin(Rule):
    code = "ADJ605"
    name = "async-hook-in-middleware-mixin"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A MiddlewareMixin subclass defines `async def process_request` or `process_response`."
    why = (
        "`MiddlewareMixin` calls `process_request` and `process_response` itself, always as "
        "sync functions: under ASGI through `sync_to_async`, which refuses a coroutine "
        "function (`TypeError: sync_to_async can only be applied to sync functions.` on every "
        "request); under WSGI directly, so the coroutine they return is taken as the "
        "response. (`process_view`, `process_exception` and `process_template_response` are "
        "different: Django's handler adapts those to the request's mode, either kind works.) "
        "Keep the two hooks sync (under ASGI they run in a thread), or write the middleware "
        "without the mixin, with `async def __call__` and `async_capable = True`."
    )
    django_versions = "3.1 to 6.1"
    requires_text = (b"process_request", b"process_response")
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "A hook whose body awaits nothing becomes a plain `def`: the mixin then calls it as the sync "
        "function it already was in all but name. The fix is unsafe: under ASGI the body runs in a "
        "thread (through `sync_to_async`), no longer on the event loop. A hook that awaits, iterates or "
        "enters a context asynchronously, yields, is decorated, or whose name the module awaits "
        "(`await self.process_request(...)`) has no fix."
    )
    invalid = (
        Example(
            """\
from django.utils.deprecation import MiddlewareMixin


class StampMiddleware(MiddlewareMixin):
    async def process_response(self, request, response):
        response["X-Stamp"] = "1"
        return response
""",
            Outcome(
                exception="builtins.TypeError", message="sync_to_async can only be applied to sync functions."
            ),
            expected=(
                Expected(
                    "5:15-5:31",
                    "`process_response` is `async def` on a MiddlewareMixin subclass: the mixin calls it as sync, so under ASGI every request fails with `TypeError: sync_to_async can only be applied to sync functions.` (under WSGI the coroutine is taken as the response); make `process_response` a plain `def` (it runs in a thread under ASGI)",
                ),
            ),
            fixed="""\
from django.utils.deprecation import MiddlewareMixin


class StampMiddleware(MiddlewareMixin):
    def process_response(self, request, response):
        response["X-Stamp"] = "1"
        return response
""",
        ),
    )
    valid = (
        Example(
            """\
from django.utils.deprecation import MiddlewareMixin


class StampMiddleware(MiddlewareMixin):
    def process_response(self, request, response):
        response["X-Stamp"] = "1"
        return response
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        hooks = [
            statement
            for statement in node.body.body
            if isinstance(statement, cst.FunctionDef)
            and statement.asynchronous is not None
            and statement.name.value in _MIXIN_HOOKS
        ]
        found = module_class(self.ctx, node) if hooks else None
        if found is None or not request_path(self.ctx).mixin_calls_hooks(found[0]):
            return
        awaited = _awaited_methods(self.ctx.module)
        for statement in hooks:
            hook = statement.name.value
            self.report(
                statement.name,
                f"`{hook}` is `async def` on a MiddlewareMixin subclass: the mixin calls it as sync, "
                "so under ASGI every request fails with `TypeError: sync_to_async can only be applied "
                f"to sync functions.` (under WSGI the coroutine is taken as the response); make `{hook}` "
                "a plain `def` (it runs in a thread under ASGI)",
                fix=_fix(statement) if hook not in awaited else None,
            )


def _fix(hook: cst.FunctionDef) -> Fix | None:
    """`async def hook(...)` -> `def hook(...)` when the body needs no `async`."""
    if hook.asynchronous is None or hook.decorators:
        return None
    finder = _AsyncSyntax()
    hook.body.visit(finder)
    if finder.found:
        return None
    edits = (Replace(hook.asynchronous, ""), Replace(hook.asynchronous.whitespace_after, ""))
    return Fix(f"Make `{hook.name.value}` a plain `def`", Safety.UNSAFE, edits)


class _AsyncSyntax(cst.CSTVisitor):
    """Finds what only an `async def` may hold (`await`, `async for`, `async with`) or a `yield`."""

    def __init__(self) -> None:
        self.found = False

    def visit_Await(self, node: cst.Await) -> bool:
        self.found = True
        return False

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.found = True
        return False

    def visit_For(self, node: cst.For) -> bool:
        self.found = self.found or node.asynchronous is not None
        return not self.found

    def visit_With(self, node: cst.With) -> bool:
        self.found = self.found or node.asynchronous is not None
        return not self.found

    def visit_CompFor(self, node: cst.CompFor) -> bool:
        self.found = self.found or node.asynchronous is not None
        return not self.found


def _awaited_methods(module: cst.Module) -> set[str]:
    """The names of methods the module awaits a call of: `await x.name(...)`."""
    names: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Await(self, node: cst.Await) -> None:
            call = node.expression
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
                names.add(call.func.attr.value)

    module.visit(Collect())
    return names
