"""ADJ606: sync-only middleware listed in MIDDLEWARE of a project served over ASGI."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import cached_property

import libcst as cst

from asyncdj_lint import parse_guard
from asyncdj_lint.analysis.project_calls import locate
from asyncdj_lint.index.request_path.settings import ProjectSettings
from asyncdj_lint.index.request_path.settings_ops import entry_nodes, settings_ops
from asyncdj_lint.rules._request_path import SYNC_ONLY, request_path
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity
from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.names import dotted_name
from asyncdj_lint.syntax.walk import FunctionBodyVisitor, walk

Resolver = Callable[[str, str], str | None]

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
        "gunicorn serves as `wsgi:application`. Without evidence of ASGI the rule stays silent.\n\n"
        "A middleware whose factory (the function, or the class's `__init__`) raises "
        "`MiddlewareNotUsed` is left out of the chain by Django. The rule reports such a middleware "
        "only when each raise sits under an `if` on a setting (`settings.NAME`, "
        '`getattr(settings, "NAME", ...)`, or its `not`) that the settings set to `True` or '
        "`False` so that the raise is skipped; when the raise is unconditional, or the setting is "
        "not known (read from the environment, not set), the rule stays silent."
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
        if self._may_drop_itself(entry, settings):
            return  # Django leaves it out of the chain (or may: the setting is not known)
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

    def _may_drop_itself(self, entry: str, settings: ProjectSettings) -> bool:
        """Whether the middleware's factory may raise MiddlewareNotUsed under these settings: a raise
        that is not under an `if` on a setting the settings are known to make false."""
        functions = self.ctx.index.functions
        ref = functions.function(entry) or functions.method(entry, "__init__")
        located = locate(self.ctx.project, ref) if ref is not None else None
        if ref is None or located is None:
            return False
        for conditions in _not_used_raises(ref.module, located[2].body.body, (), self.ctx.index.resolve):
            if not any(
                _settings_make_false(ref.module, test, taken, settings, self.ctx.index.resolve)
                for test, taken in conditions
            ):
                return True
        return False


_NOT_USED = "django.core.exceptions.MiddlewareNotUsed"
_DJANGO_SETTINGS = "django.conf.settings"
# (the `if` test, whether the raise is in its body (True) or its `else` (False)), outermost first.
_Conditions = tuple[tuple[cst.BaseExpression, bool], ...]


def _not_used_raises(
    module: str,
    body: Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement],
    conditions: _Conditions,
    resolve: Resolver,
) -> Iterator[_Conditions]:
    """The `if` conditions each `raise MiddlewareNotUsed` of a factory body runs under (nested
    functions and classes run later, not when Django builds the chain)."""
    for statement in body:
        if isinstance(statement, cst.If):
            inside, otherwise = (*conditions, (statement.test, True)), (*conditions, (statement.test, False))
            yield from _not_used_raises(module, statement.body.body, inside, resolve)
            if isinstance(statement.orelse, cst.If):
                yield from _not_used_raises(module, (statement.orelse,), otherwise, resolve)
            elif isinstance(statement.orelse, cst.Else):
                yield from _not_used_raises(module, statement.orelse.body.body, otherwise, resolve)
            continue
        # Any other statement: a raise anywhere in it (a try, a loop) may run.
        finder = _Raises(module, resolve)
        walk(statement, finder)
        if finder.found:
            yield conditions


class _Raises(FunctionBodyVisitor):
    """Whether a statement raises MiddlewareNotUsed (outside the functions and classes it defines)."""

    def __init__(self, module: str, resolve: Resolver) -> None:
        self.module = module
        self.resolve = resolve
        self.found = False

    def visit_Raise(self, node: cst.Raise) -> None:
        raised = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
        name = dotted_name(raised) if raised is not None else None
        if name is not None and (self.resolve(self.module, name) or name) == _NOT_USED:
            self.found = True


def _settings_make_false(
    module: str, test: cst.BaseExpression, taken: bool, settings: ProjectSettings, resolve: Resolver
) -> bool:
    """Whether the settings are known to make `test` come out `not taken`: `settings.NAME`,
    `getattr(settings, "NAME", default)`, and their negation with `not`."""
    while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test, taken = test.expression, not taken
    name = _setting_read(module, test, resolve)
    value = settings.flag(name) if name is not None else None
    return value is not None and value is not taken


def _setting_read(module: str, test: cst.BaseExpression, resolve: Resolver) -> str | None:
    if isinstance(test, cst.Attribute):
        owner = dotted_name(test.value)
        if owner is not None and (resolve(module, owner) or "") == _DJANGO_SETTINGS:
            return test.attr.value
    if isinstance(test, cst.Call) and dotted_name(test.func) == "getattr" and len(test.args) >= 2:
        owner = dotted_name(test.args[0].value)
        if owner is not None and (resolve(module, owner) or "") == _DJANGO_SETTINGS:
            return string_value(test.args[1].value)
    return None
