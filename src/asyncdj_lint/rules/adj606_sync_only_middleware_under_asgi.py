"""ADJ606: sync-only middleware listed in MIDDLEWARE of a project served over ASGI."""

from __future__ import annotations

import libcst as cst

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
# Containers a MIDDLEWARE entry can sit in on its way to the statement that sets it.
_CONTAINERS = (cst.Element, cst.List, cst.Tuple, cst.BinaryOperation, cst.StarredElement, cst.Arg)
_LIST_METHODS = frozenset({"append", "insert", "extend"})


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
        "MiddlewareMixin, or declare `async_capable = True` with an async path). The "
        "project serves ASGI when its settings set `ASGI_APPLICATION` or an `asgi.py` builds "
        "the application; settings are found as the README describes (`--settings`)."
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
                    "`legacy.LegacyMiddleware` is sync-only middleware in a project served over ASGI: Django runs it in a thread, so every request pays a thread switch and the middleware listed before it run sync too; make it async-capable (subclass MiddlewareMixin, or `async_capable = True` with an async path)",
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
        entry = node.evaluated_value
        if not isinstance(entry, str) or not self._in_middleware_list(settings.middleware_lists):
            return
        if index.middleware_flags(entry) != SYNC_ONLY or index.has_async_callable(entry):
            return  # an async callable behind sync-only flags is ADJ601/ADJ602's finding
        self.report(
            node,
            f"`{entry}` is sync-only middleware in a project served over ASGI: Django runs it in a "
            "thread, so every request pays a thread switch and the middleware listed before it run "
            "sync too; make it async-capable (subclass MiddlewareMixin, or `async_capable = True` "
            "with an async path)",
        )

    def _in_middleware_list(self, names: frozenset[str]) -> bool:
        """Whether the visited string is an entry of a list that ends up in MIDDLEWARE."""
        generation = 1
        parent = self.ctx.parent(generation)
        if not isinstance(parent, (cst.Element, cst.Arg)):
            return False
        while isinstance(parent, _CONTAINERS):
            generation += 1
            parent = self.ctx.parent(generation)
        if isinstance(parent, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets = (
                [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            )
            return any(isinstance(t, cst.Name) and t.value in names for t in targets)
        if isinstance(parent, cst.Call) and isinstance(parent.func, cst.Attribute):
            owner = parent.func.value
            return (
                parent.func.attr.value in _LIST_METHODS
                and isinstance(owner, cst.Name)
                and owner.value in names
            )
        return False
