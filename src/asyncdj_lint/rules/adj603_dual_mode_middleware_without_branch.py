"""ADJ603: sync-and-async middleware whose `__call__` does not branch on the mode."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.index.request_path.definitions import CallableFacts
from asyncdj_lint.rules._request_path import BOTH, middleware_class, middleware_factory
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity

_ASYNC_ONLY_PATH = (
    "is `async def` and never checks the mode: under WSGI (runserver, the test `Client`) Django calls "
    "it as sync and every request fails with AttributeError: 'coroutine' object has no attribute ...; "
    "branch on `iscoroutinefunction(get_response)`, or declare it async-only"
)
_SYNC_ONLY_PATH = (
    "reads the response of `get_response()` without checking the mode: under ASGI that is a "
    "coroutine and every request fails; branch on `iscoroutinefunction(get_response)` and await "
    "it in an async path"
)


def broken_path(facts: CallableFacts, checks_mode: bool) -> str | None:
    """What is wrong with a dual-mode middleware's callable, or None when it works in both modes."""
    if checks_mode:
        return None
    if facts.is_async:
        return _ASYNC_ONLY_PATH
    if facts.uses_response:
        return _SYNC_ONLY_PATH
    return None  # a sync callable returning get_response(request) as is works in both modes


class DualModeMiddlewareWithoutBranch(Rule):
    code = "ADJ603"
    name = "dual-mode-middleware-without-branch"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "Middleware declared both sync- and async-capable does not branch on the mode it runs in."
    why = (
        "A middleware with `sync_capable = async_capable = True` (or "
        "`@sync_and_async_middleware`) is called as sync under WSGI and as async under ASGI: "
        "`get_response` is a plain function in one and a coroutine function in the other. "
        "An `async def __call__` then fails every request under WSGI (runserver, the test "
        "`Client`): Django gets a coroutine instead of a response. A sync `__call__` that "
        'reads the response (`response["X"] = ...`) fails under ASGI, where '
        "`get_response(request)` returns a coroutine. Branch on "
        "`iscoroutinefunction(get_response)` as Django's docs show, or declare one mode only."
    )
    django_versions = "3.1 to 6.1"
    requires_text = (b"__call__", b"sync_and_async_middleware")
    invalid = (
        Example(
            """\
from django.utils.decorators import sync_and_async_middleware


@sync_and_async_middleware
def timing_middleware(get_response):
    def middleware(request):
        response = get_response(request)
        response["X-Timed"] = "1"
        return response

    return middleware
""",
            # The item assignment fails on the coroutine; Django turns that into a 500
            # response, which the async caller then tries to await.
            Outcome(
                exception="builtins.TypeError",
                message="can't be used in 'await' expression",
                warning="RuntimeWarning",
                warning_message="was never awaited",
            ),
            expected=(
                Expected(
                    "5:5-5:22",
                    "`timing_middleware` is sync- and async-capable, but the middleware it returns reads the response of `get_response()` without checking the mode: under ASGI that is a coroutine and every request fails; branch on `iscoroutinefunction(get_response)` and await it in an async path",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import iscoroutinefunction
from django.utils.decorators import sync_and_async_middleware


@sync_and_async_middleware
def timing_middleware(get_response):
    if iscoroutinefunction(get_response):

        async def middleware(request):
            response = await get_response(request)
            response["X-Timed"] = "1"
            return response

    else:

        def middleware(request):
            response = get_response(request)
            response["X-Timed"] = "1"
            return response

    return middleware
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        found = middleware_class(self.ctx, node)
        if found is None:
            return
        _, facts, flags = found
        if facts.call is None or flags != BOTH:
            return
        problem = broken_path(facts.call, facts.checks_mode)
        if problem is not None:
            self.report(
                node.name, f"`{node.name.value}` is sync- and async-capable, but its `__call__` {problem}"
            )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        found = middleware_factory(self.ctx, node)
        if found is None:
            return
        _, facts, flags = found
        if flags != BOTH or facts.middleware_inner is None:
            return
        problem = broken_path(facts.middleware_inner, facts.checks_mode)
        if problem is not None:
            self.report(
                node.name,
                f"`{node.name.value}` is sync- and async-capable, but the middleware it returns {problem}",
            )
