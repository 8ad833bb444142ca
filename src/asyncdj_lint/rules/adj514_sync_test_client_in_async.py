"""ADJ514: Django's sync test `Client` used in async code (an `async def` test)."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.project_calls import assigned_on_self, bound_in_class_bodies
from asyncdj_lint.rules._receivers import made_by, method_owner
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity

_CLIENTS = frozenset({"django.test.Client", "django.test.client.Client"})
# Client methods that run a request, or the session and login machinery, synchronously.
_REQUEST_METHODS = frozenset(
    {
        "get", "post", "put", "patch", "delete", "head", "options", "trace", "generic", "request",
        "login", "force_login", "logout",
    }
)  # fmt: skip


class SyncTestClientInAsync(Rule):
    code = "ADJ514"
    name = "sync-test-client-in-async"
    stable_since = "0.2.0"
    severity = Severity.ERROR
    summary = "The sync test `Client` (`self.client`, `Client()`) is used in async code, such as an `async def` test."
    why = (
        "Django's test `Client` runs the request synchronously in the calling thread. In an "
        "`async def` test that thread runs the event loop: an async view is called through "
        "`async_to_sync`, which refuses to run there (`RuntimeError: You cannot use "
        "AsyncToSync in the same thread as an async event loop - just await the async "
        "function directly.`), and a sync view's queries raise `SynchronousOnlyOperation`. "
        "Use `AsyncClient` (`self.async_client` in a TestCase) and `await` its calls, or "
        "keep the test sync."
    )
    django_versions = "3.1 to 6.1"
    requires_text = (b"client", b"Client")
    also_requires_text = (b"async",)
    invalid = (
        Example(
            """\
from django.http import HttpResponse
from django.test import Client


async def status_of_home(request):
    if request.headers.get("X-Inner"):
        return HttpResponse("home")
    response = Client().get("/", headers={"X-Inner": "1"})
    return HttpResponse(str(response.status_code))
""",
            Outcome(
                exception="builtins.RuntimeError",
                message="You cannot use AsyncToSync in the same thread as an async event loop",
            ),
            expected=(
                Expected(
                    "8:16-8:59",
                    '`Client().get("/", headers={"X-Inner": "1"})` runs the request synchronously on the event loop\'s thread: an async view fails with RuntimeError: You cannot use AsyncToSync in the same thread as an async event loop, a sync view\'s queries with SynchronousOnlyOperation; use `AsyncClient` (`self.async_client` in a TestCase) and `await` the call',
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponse
from django.test import AsyncClient


async def status_of_home(request):
    if request.headers.get("X-Inner"):
        return HttpResponse("home")
    response = await AsyncClient().get("/", headers={"X-Inner": "1"})
    return HttpResponse(str(response.status_code))
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            not self.ctx.on_loop
            or not isinstance(func, cst.Attribute)
            or func.attr.value not in _REQUEST_METHODS
            or isinstance(self.ctx.parent(), cst.Await)  # awaited: the project made it an async client
            or not made_by(self.ctx, func.value, "client", _CLIENTS)
            or (self._is_self_client(func.value) and self._client_replaced())
        ):
            return
        self.report(
            node,
            f"`{self.ctx.snippet(node)}` runs the request synchronously on the event loop's thread: an async "
            "view fails with RuntimeError: You cannot use AsyncToSync in the same thread as an async event "
            "loop, a sync view's queries with SynchronousOnlyOperation; use `AsyncClient` "
            f"(`self.async_client` in a TestCase) and `await` the call",
        )

    @staticmethod
    def _is_self_client(expr: cst.BaseExpression) -> bool:
        return isinstance(expr, cst.Attribute) and expr.attr.value == "client"

    def _client_replaced(self) -> bool:
        """Whether the test class (or a project base) sets `client_class` or assigns `self.client`.

        Then `self.client` may well be an AsyncClient, and nothing is reported.
        """
        qualname = method_owner(self.ctx)
        if qualname is None:
            return True
        project = self.ctx.project
        return bound_in_class_bodies(project, qualname, "client_class") or assigned_on_self(
            project, qualname, "client"
        )
