"""ADJ604: async middleware whose instance is not marked as a coroutine function."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import AddImport, Fix, FixAvailability, Safety
from asyncdj_lint.rules._fixes import importable, insert_at_top
from asyncdj_lint.rules._request_path import ASYNC_ONLY, BOTH, middleware_class, request_path
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity


class UnmarkedAsyncMiddleware(Rule):
    code = "ADJ604"
    name = "unmarked-async-middleware"
    stable_since = "0.1.0"
    severity = Severity.ADVISORY
    summary = "Async middleware does not mark its instance with `markcoroutinefunction(self)`."
    why = (
        "Django wraps each middleware instance to turn exceptions into responses (404, 403, "
        "500 pages, `handler500`), and picks the sync or async wrapper with "
        "`iscoroutinefunction(instance)`. An instance with `async def __call__` is not a "
        "coroutine function to that check unless `__init__` calls "
        "`markcoroutinefunction(self)` (asgiref 3.6+). Unmarked, requests still work, but an "
        "exception raised in the middleware or below escapes the wrapper: `Http404` or "
        "`PermissionDenied` reach the server raw instead of becoming a 404 or 403."
    )
    django_versions = "4.2 to 6.1"
    requires_text = (b"__call__",)
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "`markcoroutinefunction(self)` is written at the start of the class's own `__init__`, "
        "importing it from `asgiref.sync`: the fix is safe, requests are served as before and "
        "exceptions become responses as Django means them to. A class without its own `__init__` "
        "(or with it on one line) has no fix."
    )
    invalid = (
        Example(
            """\
from django.core.exceptions import PermissionDenied


class BlockBotsMiddleware:
    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        if "Bot" not in request.headers.get("User-Agent", "Bot"):
            return await self.get_response(request)
        raise PermissionDenied
""",
            Outcome(exception="django.core.exceptions.PermissionDenied"),
            expected=(
                Expected(
                    "4:7-4:26",
                    "`BlockBotsMiddleware` runs as async middleware but `__init__` does not call `markcoroutinefunction(self)`: Django wraps the instance as sync, so exceptions (Http404, PermissionDenied) escape as errors instead of becoming responses; add `markcoroutinefunction(self)` (from asgiref.sync) to `__init__`",
                ),
            ),
            fixed="""\
from django.core.exceptions import PermissionDenied
from asgiref.sync import markcoroutinefunction


class BlockBotsMiddleware:
    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        markcoroutinefunction(self)
        self.get_response = get_response

    async def __call__(self, request):
        if "Bot" not in request.headers.get("User-Agent", "Bot"):
            return await self.get_response(request)
        raise PermissionDenied
""",
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import markcoroutinefunction
from django.core.exceptions import PermissionDenied


class BlockBotsMiddleware:
    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request):
        if "Bot" in request.headers.get("User-Agent", ""):
            raise PermissionDenied
        return await self.get_response(request)
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        found = middleware_class(self.ctx, node)
        if found is None:
            return
        qualname, facts, flags = found
        if facts.call is None:
            return
        runs_async = (flags == ASYNC_ONLY and facts.call.is_async) or (flags == BOTH and facts.checks_mode)
        if runs_async and request_path(self.ctx).marks_coroutine(qualname) is False:
            self.report(
                node.name,
                f"`{node.name.value}` runs as async middleware but `__init__` does not call "
                "`markcoroutinefunction(self)`: Django wraps the instance as sync, so exceptions "
                "(Http404, PermissionDenied) escape as errors instead of becoming responses; add "
                "`markcoroutinefunction(self)` (from asgiref.sync) to `__init__`",
                fix=self._fix(node),
            )

    def _fix(self, node: cst.ClassDef) -> Fix | None:
        """`markcoroutinefunction(self)` before the first statement of `__init__` after its docstring."""
        init = next(
            (
                statement
                for statement in node.body.body
                if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__"
            ),
            None,
        )
        if init is None or not importable(self.ctx, "asgiref.sync", "markcoroutinefunction"):
            return None
        mark = insert_at_top(self.ctx, init, ["markcoroutinefunction(self)"], node.body)
        if mark is None:
            return None
        edits = (mark, AddImport("asgiref.sync", "markcoroutinefunction"))
        return Fix("Mark the instance with `markcoroutinefunction(self)`", Safety.SAFE, edits)
