"""ADJ705: `async def dispatch` on a class-based view whose handlers are sync."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.facts.view_decorators import UNAWAITED_VIEW
from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._async_handlers import handlers_fix
from asyncdj_lint.rules._request_path import RETURNS_COROUTINE, view_handlers
from asyncdj_lint.rules.base import Example, Expected, Rule, Severity


class AsyncDispatchWithSyncHandlers(Rule):
    code = "ADJ705"
    name = "async-dispatch-with-sync-handlers"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A class-based view defines `async def dispatch` but its HTTP handlers are sync."
    why = (
        "Whether `as_view()` returns a sync or an async view depends on the HTTP handlers "
        "(`get`, `post`, ...) only; `dispatch` is never inspected. With sync handlers the "
        "view is sync, Django calls it in a thread and gets back the coroutine "
        "`async def dispatch` returns: `ValueError: The view ... didn't return an HttpResponse "
        "object. It returned an unawaited coroutine instead.` on every request. Make the "
        "handlers `async def` too, or keep `dispatch` sync."
    )
    django_versions = "4.1 to 6.1"
    requires_text = (b"dispatch",)
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "When every handler is a sync method the view defines itself, each (`def get(self, "
        "request)`) is renamed `_get_sync` and an `async def get(self, request, *args, **kwargs)` "
        "in its place returns `await sync_to_async(self._get_sync)(request, *args, **kwargs)`, as "
        "ADJ701's fix does: the handlers are then async like `dispatch`, so `as_view()` makes an "
        "async view that awaits it. The fix is unsafe: the handler's work runs in a thread. There "
        "is no fix where a handler is inherited, is a static or class method, where the module "
        "calls a handler through `self` or `super()`, where a class decorator names a handler, or "
        "where the new name is taken."
    )
    invalid = (
        Example(
            """\
from django.http import HttpResponse
from django.views import View


class HomeView(View):
    async def dispatch(self, request, *args, **kwargs):
        return await super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return HttpResponse("home")
""",
            RETURNS_COROUTINE,
            expected=(
                Expected(
                    "6:15-6:23",
                    "`async def dispatch` on `HomeView`, whose handlers are sync: `as_view()` makes a sync view, so every request fails with `ValueError: ... didn't return an HttpResponse object. It returned an unawaited coroutine instead.`; make the handlers `async def` too, or `dispatch` sync",
                ),
            ),
            fixed="""\
from django.http import HttpResponse
from django.views import View
from asgiref.sync import sync_to_async


class HomeView(View):
    async def dispatch(self, request, *args, **kwargs):
        return await super().dispatch(request, *args, **kwargs)

    async def get(self, request, *args, **kwargs):
        return await sync_to_async(self._get_sync)(request, *args, **kwargs)

    def _get_sync(self, request):
        return HttpResponse("home")
""",
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponse
from django.views import View


class HomeView(View):
    async def dispatch(self, request, *args, **kwargs):
        return await super().dispatch(request, *args, **kwargs)

    async def get(self, request):
        return HttpResponse("home")
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        handlers = view_handlers(self.ctx, node)
        if handlers is None or any(is_async for is_async, _ in handlers.values()):
            return
        for statement in node.body.body:
            if (
                isinstance(statement, cst.FunctionDef)
                and statement.name.value == "dispatch"
                and statement.asynchronous
            ):
                self.report(
                    statement.name,
                    f"`async def dispatch` on `{node.name.value}`, whose handlers are sync: `as_view()` makes a "
                    f"sync view, so every request fails with `ValueError: ... {UNAWAITED_VIEW}`; make the handlers "
                    "`async def` too, or `dispatch` sync",
                    fix=handlers_fix(self.ctx, node, list(handlers)),
                )
