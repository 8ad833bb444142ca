"""ADJ608: a MiddlewareMixin hook calls `self.get_response()` itself."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.facts.request_path import MIDDLEWARE_HOOKS
from asyncdj_lint.rules._request_path import module_class, request_path
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity
from asyncdj_lint.syntax.walk import FunctionBodyVisitor, walk


class GetResponseInMixinHook(Rule):
    code = "ADJ608"
    name = "get-response-in-mixin-hook"
    stable_since = "0.2.0"
    severity = Severity.ERROR
    summary = "A MiddlewareMixin hook (`process_request`, ...) calls `self.get_response()` itself."
    why = (
        "`MiddlewareMixin.__call__` calls `get_response` after `process_request` returns "
        "None; a hook that calls `self.get_response(request)` itself runs the rest of the "
        "chain and the view from inside the hook. Under ASGI the next step is async: the "
        "sync hook gets a coroutine, never awaits it, and returns it as the response "
        "(`AttributeError: 'coroutine' object has no attribute ...`, with `RuntimeWarning: "
        "coroutine ... was never awaited`); under WSGI the view runs twice. Return None to "
        "let the request through, or a response to stop it."
    )
    django_versions = "3.1 to 6.1"
    requires_text = (b"get_response",)
    invalid = (
        Example(
            """\
from django.http import HttpResponseForbidden
from django.utils.deprecation import MiddlewareMixin


class HeaderGateMiddleware(MiddlewareMixin):
    def process_request(self, request):
        if request.headers.get("X-Blocked"):
            return HttpResponseForbidden()
        return self.get_response(request)
""",
            Outcome(
                exception="builtins.AttributeError",
                message="'coroutine' object has no attribute",
                warning="RuntimeWarning",
                warning_message="was never awaited",
            ),
            expected=(
                Expected(
                    "9:16-9:42",
                    "a MiddlewareMixin hook calls `self.get_response()` itself: under ASGI that returns the next step's coroutine, which the sync hook never awaits and hands back as the response; return None to let the request through (the mixin calls `get_response`)",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponseForbidden
from django.utils.deprecation import MiddlewareMixin


class HeaderGateMiddleware(MiddlewareMixin):
    def process_request(self, request):
        if request.headers.get("X-Blocked"):
            return HttpResponseForbidden()
        return None
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        hooks = [
            s
            for s in node.body.body
            if isinstance(s, cst.FunctionDef) and s.asynchronous is None and s.name.value in MIDDLEWARE_HOOKS
        ]
        calls = [call for hook in hooks for call in _get_response_calls(hook)]
        found = module_class(self.ctx, node) if calls else None
        if found is None or not request_path(self.ctx).mixin_calls_hooks(found[0]):
            return
        for call in calls:
            self.report(
                call,
                "a MiddlewareMixin hook calls `self.get_response()` itself: under ASGI that returns the next "
                "step's coroutine, which the sync hook never awaits and hands back as the response; return "
                "None to let the request through (the mixin calls `get_response`)",
            )


def _get_response_calls(hook: cst.FunctionDef) -> list[cst.Call]:
    finder = _GetResponseCalls()
    walk(hook.body, finder)
    return finder.found


class _GetResponseCalls(FunctionBodyVisitor):
    def __init__(self) -> None:
        self.found: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "get_response"
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
        ):
            self.found.append(node)
