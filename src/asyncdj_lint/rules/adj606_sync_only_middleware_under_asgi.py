"""ADJ606: sync-only middleware listed in MIDDLEWARE of a project served over ASGI."""

from __future__ import annotations

from functools import cached_property

import libcst as cst

from asyncdj_lint import parse_guard
from asyncdj_lint.index.request_path.settings_ops import entry_nodes, settings_ops
from asyncdj_lint.rules._request_path import SYNC_ONLY, request_path
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity

_LEGACY = (
    "legacy.py",
    """\
class LegacyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Legacy"] = "1"
        return response
""",
)


class SyncOnlyMiddlewareUnderAsgi(Rule):
    code = "ADJ606"
    name = "sync-only-middleware-under-asgi"
    stable_since = "0.1.0"
    severity = Severity.WARNING
    summary = "Sync-only middleware is listed in MIDDLEWARE of a project served over ASGI."
    why = (
        "Under ASGI, Django runs a sync-only middleware (no `async_capable = True`, no "
        "MiddlewareMixin) in a thread: the handler below it is wrapped in `async_to_sync`, "
        "and every middleware listed before it runs in sync mode too. Every request pays "
        "the thread switches, and a slow call in it holds a worker thread. Django's own "
        "middleware are all async-capable; make the project's own async-capable (subclass "
        "MiddlewareMixin, or declare `async_capable = True` with an async path)."
    )
    needs = (
        "The MIDDLEWARE list Django ends up with. The settings are found as the README "
        "describes (`--settings`) and replayed statement by statement, following "
        "`from .base import *`: an entry a later statement takes out (`.remove()`, `.pop()`, "
        "`del`, an index assignment, or a new list) is not reported, and an entry is reported "
        "where it is written. When the final list is not known (built by a call or a "
        "comprehension), the rule stays silent.\n\n"
        "Whether the project is served over ASGI, from its deployment evidence: a command that "
        "starts an ASGI server (uvicorn, daphne, hypercorn, granian `--interface asgi`, gunicorn "
        "with a uvicorn worker class) in a Procfile, a Dockerfile's CMD or ENTRYPOINT, a "
        "docker-compose `command:`, a shell script, Makefile or platform config, or a gunicorn "
        "config's `worker_class`; `ASGI_APPLICATION` in the settings; `daphne` or `channels` in "
        "INSTALLED_APPS. The message names the evidence (file:line). The `asgi.py` that "
        "startproject writes is not evidence: every project has one, including those that "
        "gunicorn serves as `wsgi:application`. Without evidence of ASGI the rule stays silent."
    )
    django_versions = "3.1 to 6.1"
    requires_text = (b"MIDDLEWARE",)
    invalid = (
        Example(
            """\
ASGI_APPLICATION = "mysite.asgi.application"
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "legacy.LegacyMiddleware",
]
""",
            Outcome(log="Asynchronous handler adapted for middleware legacy.LegacyMiddleware."),
            files=(_LEGACY,),
            is_settings=True,
            expected=(
                Expected(
                    "4:5-4:30",
                    "`legacy.LegacyMiddleware` is sync-only middleware in a project served over ASGI (`ASGI_APPLICATION` at snippet.py:1): Django runs it in a thread, so every request pays a thread switch and the middleware listed before it run sync too; make it async-capable (subclass MiddlewareMixin, or `async_capable = True` with an async path)",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
ASGI_APPLICATION = "mysite.asgi.application"
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "legacy.LegacyMiddleware",
]
""",
            files=(
                (
                    "legacy.py",
                    """\
from django.utils.deprecation import MiddlewareMixin


class LegacyMiddleware(MiddlewareMixin):
    def process_response(self, request, response):
        response["X-Legacy"] = "1"
        return response
""",
                ),
            ),
            is_settings=True,
        ),
    )

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        index = request_path(self.ctx)
        settings = index.settings(self.ctx.options.settings_module)
        if self.ctx.module_name not in settings.modules or not settings.asgi_application:
            return
        entry = parse_guard.literal_value(node)
        written = self._entries.get(id(node))
        if not isinstance(entry, str) or written is None:
            return
        if (self.ctx.module_name, *written) not in settings.middleware_origins:
            return  # not in the MIDDLEWARE list Django ends up with (removed, replaced, or unknown)
        if index.middleware_flags(entry) != SYNC_ONLY or index.has_async_callable(entry):
            return  # an async callable behind sync-only flags is ADJ601/ADJ602's finding
        self.report(
            node,
            f"`{entry}` is sync-only middleware in a project served over ASGI ({settings.asgi}): "
            "Django runs it in a "
            "thread, so every request pays a thread switch and the middleware listed before it run "
            "sync too; make it async-capable (subclass MiddlewareMixin, or `async_capable = True` "
            "with an async path)",
        )

    @cached_property
    def _entries(self) -> dict[int, tuple[int, int]]:
        """id of each list entry this settings module writes -> (operation number, entry number)."""
        return {
            id(expr): (number, position)
            for number, (op, statement) in enumerate(settings_ops(self.ctx.module.body))
            for position, expr in enumerate(entry_nodes(op, statement))
        }
