"""ADJ607: a MiddlewareMixin subclass whose `__init__` never calls `super().__init__(get_response)`."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.rules._request_path import module_class, request_path
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity
from asyncdj_lint.syntax.walk import FunctionBodyVisitor, walk


class MiddlewareMixinInitWithoutSuper(Rule):
    code = "ADJ607"
    name = "middleware-mixin-init-without-super"
    stable_since = "0.2.0"
    severity = Severity.ERROR
    summary = (
        "A MiddlewareMixin subclass defines `__init__` without calling `super().__init__(get_response)`."
    )
    why = (
        "`MiddlewareMixin.__init__` does more than store `get_response`: it works out whether "
        "the next step is async and, if so, marks the instance as a coroutine function, so "
        "that Django awaits it. An `__init__` that sets `self.get_response` itself skips that: "
        "Django takes the instance for a sync callable, the mixin's `__call__` fails on the "
        "missing `async_mode` attribute, and the 500 response that error becomes is returned "
        "where the ASGI handler awaits a coroutine: every request fails with `TypeError: "
        "object HttpResponseServerError can't be used in 'await' expression`. Call "
        "`super().__init__(get_response)` first."
    )
    django_versions = "3.1 to 6.1"
    requires_text = (b"MiddlewareMixin",)
    invalid = (
        Example(
            """\
from django.utils.deprecation import MiddlewareMixin


class StampMiddleware(MiddlewareMixin):
    def __init__(self, get_response):
        self.get_response = get_response
        self.stamp = "1"

    def process_response(self, request, response):
        response["X-Stamp"] = self.stamp
        return response
""",
            Outcome(exception="builtins.TypeError", message="can't be used in 'await' expression"),
            expected=(
                Expected(
                    "5:9-5:17",
                    "`StampMiddleware.__init__` never calls `super().__init__(get_response)`: MiddlewareMixin's setup (its sync/async detection) is skipped, and under ASGI every request fails in the mixin's `__call__`; call `super().__init__(get_response)` first",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.utils.deprecation import MiddlewareMixin


class StampMiddleware(MiddlewareMixin):
    def __init__(self, get_response):
        super().__init__(get_response)
        self.stamp = "1"

    def process_response(self, request, response):
        response["X-Stamp"] = self.stamp
        return response
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        init = next(
            (s for s in node.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"),
            None,
        )
        if init is None or _calls_base_init(init):
            return
        found = module_class(self.ctx, node)
        if found is None or not request_path(self.ctx).mixin_calls_hooks(found[0]):
            return
        self.report(
            init.name,
            f"`{node.name.value}.__init__` never calls `super().__init__(get_response)`: MiddlewareMixin's "
            "setup (its sync/async detection) is skipped, and under ASGI every request fails in the mixin's "
            "`__call__`; call `super().__init__(get_response)` first",
        )


def _calls_base_init(init: cst.FunctionDef) -> bool:
    """`super().__init__(...)`, `super(C, self).__init__(...)` or `Base.__init__(self, ...)` in the body."""
    finder = _InitCalls()
    walk(init.body, finder)
    return finder.found


class _InitCalls(FunctionBodyVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "__init__":
            self.found = True
