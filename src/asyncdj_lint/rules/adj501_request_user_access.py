"""ADJ501: an attribute of the lazy `request.user` read on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.requests import is_request_attribute, user_loaded_before
from asyncdj_lint.analysis.scopes import Scope
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class RequestUserAccess(Rule):
    code = "ADJ501"
    name = "request-user-access"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "An attribute of `request.user` is read in async code."
    why = (
        "`AuthenticationMiddleware` sets `request.user` to a lazy object: the first "
        "attribute read loads the session and the user from the database. On the event "
        "loop that raises `SynchronousOnlyOperation` for every logged-in user (anonymous "
        "requests without a session cookie pass, so tests often miss it). Since Django 5.0, "
        "`await request.auser()` loads the user in a thread; before, read it inside "
        "`sync_to_async`. The request is the first parameter of an `async def` called "
        "`request` (after `self` in methods), or one annotated `HttpRequest`/`ASGIRequest`. "
        "The first read in a function loads the user for the rest of it: only that one is reported, "
        "and none after a read in a lambda run by `sync_to_async`, which loaded it in the thread. "
        "Frameworks that authenticate in a thread before the handler leave a loaded user: methods of "
        "adrf and DRF views (`APIView`, `ViewSet`, generic views) and `@api_view` functions, and "
        "django-ninja operations whose auth (on the operation, else on its `Router` or `NinjaAPI`) "
        "starts with session auth (`django_auth`); there `request.user` is not reported. Ninja's "
        "other auth (API keys, async auth) does not load it, so it is reported. Channels consumers "
        'read `scope["user"]`, which `AuthMiddlewareStack` resolves before they run.'
    )
    django_versions = "4.1 to 6.1"
    invalid = (
        Example(
            """\
from django.http import HttpResponse


async def profile(request):
    return HttpResponse(request.user.username)
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "5:25-5:46",
                    "`request.user.username` loads the user from the session on the event loop and raises SynchronousOnlyOperation for a logged-in user; use `user = await request.auser()`, then `user.username`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponse


async def profile(request):
    user = await request.auser()
    return HttpResponse(user.username)
"""
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        # Functions that read an attribute of `request.user`: the first read loads the user
        # for the rest of the function, so later reads are not findings of their own.
        self._loaded: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        scope = self.ctx.scope
        in_thread = scope.off_loop  # a lambda handed to sync_to_async: it loads the user there
        if not (self.ctx.on_loop or in_thread) or not is_request_attribute(self.ctx, node.value, "user"):
            return
        function = _enclosing_def(scope)
        key = id(function.node if function is not None else self.ctx.module)
        first = key not in self._loaded
        self._loaded.add(key)
        if in_thread:
            return
        if node.attr.value in api.PERMISSION_METHODS and self._is_called(node):
            return  # ADJ503 reports permission checks, which query even after auser()
        if not first:
            return
        if user_loaded_before(self.ctx, function) is not None:
            return  # adrf, DRF or ninja's session auth authenticated the request in a thread
        user = self.ctx.snippet(node.value)
        attr = node.attr.value
        advice = api.advise(
            self.ctx.options,
            api.AUSER_SINCE,
            f"use `user = await request.auser()`, then `user.{attr}`",
            f"use `await sync_to_async(lambda: {user}.{attr})()`",
        )
        self.report(
            node,
            f"`{user}.{attr}` loads the user from the session on the event loop and raises "
            f"SynchronousOnlyOperation for a logged-in user; {advice}",
        )

    def _is_called(self, node: cst.Attribute) -> bool:
        parent = self.ctx.parent()
        return isinstance(parent, cst.Call) and parent.func is node


def _enclosing_def(scope: Scope) -> Scope | None:
    """The `def` a scope belongs to, past the lambdas and comprehensions written in it."""
    current: Scope | None = scope
    while current is not None and not isinstance(current.node, cst.FunctionDef):
        current = current.parent
    return current
