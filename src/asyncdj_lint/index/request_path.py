"""The request path, resolved across files: settings, middleware flags, views and routes.

Settings are read without importing anything: the settings modules are found
from `DJANGO_SETTINGS_MODULE` defaults (manage.py, asgi.py, wsgi.py), else
from their names (`settings.py`, a `settings/` package), or named with
`--settings`; their statements are then replayed in order, following
`from .base import *`. A value that is not a literal stays unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from asyncdj_lint.facts.view_decorators import METHOD_DECORATOR, VIEW_DECORATORS
from asyncdj_lint.index.request_path_summary import (
    SETTINGS_ENV,
    DecoratorRef,
    ListPart,
    RequestClass,
    RequestFunction,
    SettingsOp,
)
from asyncdj_lint.syntax.names import absolute_target

if TYPE_CHECKING:
    from asyncdj_lint.index.project import ProjectIndex
    from asyncdj_lint.index.summary import ModuleSummary

_MAX_DEPTH = 20

MIDDLEWARE_MIXIN = "django.utils.deprecation.MiddlewareMixin"
# (sync_capable, async_capable) of middleware the project only imports.
_BOTH = (True, True)
KNOWN_MIDDLEWARE_FLAGS = {
    MIDDLEWARE_MIXIN: _BOTH,
    # Every built-in middleware is a MiddlewareMixin (facts sheet §5).
    **{
        name: _BOTH
        for name in (
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.common.BrokenLinkEmailsMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.auth.middleware.LoginRequiredMiddleware",
            "django.contrib.auth.middleware.RemoteUserMiddleware",
            "django.contrib.auth.middleware.PersistentRemoteUserMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
            "django.middleware.gzip.GZipMiddleware",
            "django.middleware.locale.LocaleMiddleware",
            "django.middleware.http.ConditionalGetMiddleware",
            "django.middleware.cache.UpdateCacheMiddleware",
            "django.middleware.cache.FetchFromCacheMiddleware",
            "django.middleware.cache.CacheMiddleware",
            "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
            "django.contrib.redirects.middleware.RedirectFallbackMiddleware",
            "django.contrib.sites.middleware.CurrentSiteMiddleware",
            "django.contrib.admindocs.middleware.XViewMiddleware",
            "django.middleware.csp.ContentSecurityPolicyMiddleware",
        )
    },
    # Third-party middleware, read from their source: a plain class with a sync
    # `__call__` and no flags (django-allauth 65.x).
    "allauth.usersessions.middleware.UserSessionsMiddleware": (True, False),
}
MIDDLEWARE_DECORATORS = {
    "django.utils.decorators.sync_only_middleware": (True, False),
    "django.utils.decorators.async_only_middleware": (False, True),
    "django.utils.decorators.sync_and_async_middleware": (True, True),
}
DEFAULT_FLAGS = (True, False)

# HTTP handlers each of Django's generic views defines (all sync; facts sheet §6).
_GET = ("get",)
_FORM = ("get", "post", "put")
GENERIC_VIEW_HANDLERS = {
    "View": (),
    "TemplateView": _GET,
    "RedirectView": ("get", "post", "put", "patch", "delete", "head"),
    **dict.fromkeys(
        (
            "ListView", "BaseListView", "DetailView", "BaseDetailView", "ArchiveIndexView",
            "BaseArchiveIndexView", "YearArchiveView", "BaseYearArchiveView", "MonthArchiveView",
            "BaseMonthArchiveView", "WeekArchiveView", "BaseWeekArchiveView", "DayArchiveView",
            "BaseDayArchiveView", "TodayArchiveView", "BaseTodayArchiveView", "DateDetailView",
            "BaseDateDetailView",
        ),
        _GET,
    ),
    **dict.fromkeys(
        ("FormView", "BaseFormView", "ProcessFormView", "CreateView", "BaseCreateView", "UpdateView", "BaseUpdateView"),
        _FORM,
    ),
    **dict.fromkeys(("DeleteView", "BaseDeleteView"), ("get", "post", "delete")),
}  # fmt: skip
HTTP_METHOD_NAMES = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
_ROUTE_FUNCTIONS = frozenset({"django.urls.path", "django.urls.re_path", "django.conf.urls.url"})
NON_ATOMIC_REQUESTS = "django.db.transaction.non_atomic_requests"


def generic_view(qualname: str) -> str | None:
    """The name of one of Django's generic views (`django.views.generic.ListView` -> "ListView")."""
    module, _, name = qualname.rpartition(".")
    if (
        module == "django.views" or module.startswith("django.views.generic")
    ) and name in GENERIC_VIEW_HANDLERS:
        return name
    return None


_DJANGO_MIXIN_MODULES = (
    "django.views.generic",
    "django.contrib.auth.mixins",
    "django.contrib.messages.views",
)


def django_view_handlers(qualname: str) -> tuple[str, ...] | None:
    """The (sync) HTTP handlers one of Django's views or view mixins defines; None for other classes."""
    generic = generic_view(qualname)
    if generic is not None:
        return GENERIC_VIEW_HANDLERS[generic]
    module, _, name = qualname.rpartition(".")
    if not module.startswith(_DJANGO_MIXIN_MODULES) or not name.endswith("Mixin"):
        return None
    return ("delete",) if name == "DeletionMixin" else ()


@dataclass
class _SettingsState:
    """The values a settings module chain has built so far."""

    lists: dict[str, tuple[str | None, ...] | None] = field(default_factory=dict)
    # the list names whose literal entries flow into each list
    sources: dict[str, set[str]] = field(default_factory=dict)
    # alias -> (ATOMIC_REQUESTS, module that set it)
    atomic: dict[str, tuple[bool | None, str]] = field(default_factory=dict)
    asgi_application: bool = False
    modules: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProjectSettings:
    """What the project's settings modules say, merged over every settings module found."""

    roots: tuple[str, ...] = ()
    modules: frozenset[str] = frozenset()
    # Settings names whose entries end up in MIDDLEWARE.
    middleware_lists: frozenset[str] = frozenset()
    middleware: tuple[str, ...] = ()
    # (alias, module that sets ATOMIC_REQUESTS = True)
    atomic_requests: tuple[tuple[str, str], ...] = ()
    asgi_application: bool = False


@dataclass(frozen=True)
class ViewRef:
    """An async view a URLconf routes to."""

    qualname: str
    non_atomic: frozenset[str] | None  # aliases, None for "every alias"


class RequestPathIndex:
    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._settings: dict[str | None, ProjectSettings] = {}

    # -- modules and definitions ----------------------------------------------

    def find_module(self, name: str) -> str | None:
        """The module named `name`, also when the project is linted from above its import root."""
        parts = name.split(".")
        for start in range(len(parts)):
            candidate = ".".join(parts[start:])
            if candidate in self.index.modules:
                return candidate
        return None

    def _definition(self, qualname: str) -> tuple[str, ModuleSummary, str] | None:
        """(module, its summary, attribute) where a project class or function is defined."""
        canonical = self.index.canonical(qualname)
        module, _, attr = canonical.rpartition(".")
        found = self.find_module(module) if module else None
        if found is None:
            return None
        return found, self.index.modules[found], attr

    def request_class(self, qualname: str) -> tuple[str, RequestClass] | None:
        """The canonical name and facts of a project class."""
        return self._defined(qualname, "classes")

    def request_function(self, qualname: str) -> tuple[str, RequestFunction] | None:
        """The canonical name and facts of a project module-level function."""
        return self._defined(qualname, "functions")

    def _defined(self, qualname: str, table: str):
        found = self._definition(qualname)
        if found is None:
            return None
        module, summary, attr = found
        facts = getattr(summary.request_path, table).get(attr)
        return None if facts is None else (f"{module}.{attr}", facts)

    def resolve_decorator(self, module: str, decorator: DecoratorRef) -> str | None:
        return self.resolve_name(module, decorator.name)

    def resolve_name(self, module: str, dotted: str | None) -> str | None:
        """The canonical name `dotted`, written in `module`, refers to (functions included)."""
        if dotted is None:
            return None
        target = self.index.resolve(module, dotted)
        if target is None and dotted in self.index.modules[module].request_path.functions:
            return f"{module}.{dotted}"
        return self.index.canonical(target) if target is not None else None

    # -- class hierarchy ----------------------------------------------------------

    def ancestors(self, qualname: str) -> Iterator[tuple[str, RequestClass | None]]:
        """The class and its bases in (approximately) method resolution order.

        Project classes come with their summary; a class outside the project
        comes with None and its bases are not followed. Stops at a base that
        cannot be resolved, yielding ("?", None).
        """
        seen: set[str] = set()
        yield from self._ancestors(qualname, seen, 0)

    def _ancestors(
        self, qualname: str, seen: set[str], depth: int
    ) -> Iterator[tuple[str, RequestClass | None]]:
        found = self.request_class(qualname) if django_view_handlers(qualname) is None else None
        canonical = found[0] if found else self.index.canonical(qualname)
        if canonical in seen or depth > _MAX_DEPTH:
            return
        seen.add(canonical)
        if found is None:
            yield canonical, None
            return
        yield canonical, found[1]
        module = canonical.rsplit(".", 1)[0]
        cls = self.index.modules[module].classes.get(canonical.rsplit(".", 1)[1])
        for base in cls.bases if cls is not None else ():
            if base == "object":
                continue
            target = self.index.resolve(module, base)
            if target is None:
                yield "?", None
                return
            yield from self._ancestors(target, seen, depth + 1)

    def inherits(self, qualname: str, base: str) -> bool:
        return any(name == base for name, _ in self.ancestors(qualname))

    # -- middleware -------------------------------------------------------------

    def middleware_flags(self, qualname: str) -> tuple[bool, bool] | None:
        """(sync_capable, async_capable) of a middleware factory, None when unknown."""
        canonical = self.index.canonical(qualname)
        if canonical in KNOWN_MIDDLEWARE_FLAGS:
            return KNOWN_MIDDLEWARE_FLAGS[canonical]
        function = self.request_function(canonical)
        if function is not None:
            name, facts = function
            return (
                None
                if self._patched(name)
                else self._decorator_flags(name.rpartition(".")[0], facts.decorators)
            )
        found = self.request_class(canonical)
        if found is None:
            return None
        name, _ = found
        values = []
        for flag in ("sync_capable", "async_capable"):
            value = self._class_flag(name, flag)
            if value is None:
                return None
            values.append(value)
        return values[0], values[1]

    def _decorator_flags(self, module: str, decorators: tuple[DecoratorRef, ...]) -> tuple[bool, bool] | None:
        """The flags a middleware decorator sets; None for any other decoration."""
        if not decorators:
            return DEFAULT_FLAGS
        if len(decorators) == 1:
            return MIDDLEWARE_DECORATORS.get(self.resolve_decorator(module, decorators[0]) or "")
        return None

    def _class_flag(self, qualname: str, flag: str) -> bool | None:
        """The flag's value as Django's getattr on the class finds it; None when unknown."""
        position = flag == "async_capable"
        for name, cls in self.ancestors(qualname):
            if name in KNOWN_MIDDLEWARE_FLAGS:
                return KNOWN_MIDDLEWARE_FLAGS[name][position]
            if cls is None or self._patched(name):
                return None  # a class outside the project, or flags set after the class body
            if cls.decorators:
                flags = self._decorator_flags(name.rpartition(".")[0], cls.decorators)
                return None if flags is None else flags[position]
            declared, value = cls.flag(flag)
            if declared:
                return value
        return DEFAULT_FLAGS[position]

    def _patched(self, qualname: str) -> bool:
        module, _, attr = qualname.rpartition(".")
        return attr in self.index.modules[module].request_path.patched_flags

    def marks_coroutine(self, qualname: str) -> bool | None:
        """Whether the `__init__` the class runs calls `markcoroutinefunction(self)`; None when unknown."""
        for name, cls in self.ancestors(qualname):
            if name == MIDDLEWARE_MIXIN:
                return True
            if cls is None:
                return None
            if cls.marks_coroutine is not None:
                return cls.marks_coroutine
        return False

    def mixin_calls_hooks(self, qualname: str) -> bool:
        """Whether MiddlewareMixin's own `__call__` runs the class's process_request/process_response."""
        for name, cls in self.ancestors(qualname):
            if name == MIDDLEWARE_MIXIN:
                return True
            summary = self.class_summary(name) if cls is not None else None
            if summary is None or summary.method("__call__") or summary.method("__acall__"):
                return False
        return False

    def has_async_callable(self, qualname: str) -> bool:
        """Whether a project middleware's `__call__` (or a factory's inner function) is `async def`."""
        found = self.request_class(qualname)
        if found is not None:
            return found[1].call is not None and found[1].call.is_async
        function = self.request_function(qualname)
        inner = function[1].middleware_inner if function is not None else None
        return inner is not None and inner.is_async

    def is_listed_middleware(self, qualname: str, settings_module: str | None) -> bool:
        return qualname in {self.index.canonical(m) for m in self.settings(settings_module).middleware}

    # -- views --------------------------------------------------------------------

    def handlers(self, qualname: str) -> dict[str, tuple[bool, str]] | None:
        """HTTP handler name -> (is async, defining class), as `View.view_is_async` sees them.

        `options` is left out, as Django does. None when the class is not known
        to be a Django View, or a base that could define handlers is unknown.
        """
        method_names: tuple[str, ...] | None = None
        found: dict[str, tuple[bool, str] | None] = {}  # None: decorated, mode unknown
        is_view = False
        for name, cls in self.ancestors(qualname):
            django_handlers = django_view_handlers(name)
            if django_handlers is not None:
                is_view = is_view or generic_view(name) is not None
                for handler in django_handlers:
                    found.setdefault(handler, (False, name.rpartition(".")[2]))
                continue
            if cls is None:
                return None
            if method_names is None and cls.http_method_names is not None:
                method_names = cls.http_method_names
            summary = self.class_summary(name)
            decorated = self._unknown_mode_methods(name, cls)
            for method in summary.methods if summary else ():
                found.setdefault(
                    method.name, (method.is_async, name) if method.name not in decorated else None
                )
        if not is_view or method_names == ():
            return None
        allowed = method_names or HTTP_METHOD_NAMES
        handlers = {m: found[m] for m in allowed if m != "options" and m in found}
        return None if None in handlers.values() else handlers

    def _unknown_mode_methods(self, qualname: str, cls: RequestClass) -> set[str]:
        """Methods whose decorators may change whether they are coroutine functions.

        `method_decorator` keeps it (since Django 5.2; ADJ707 covers older versions).
        """
        module = qualname.rpartition(".")[0]
        return {
            method
            for method, decorators in cls.method_decorators
            if any(self.resolve_decorator(module, d) != METHOD_DECORATOR for d in decorators)
        }

    def list_get_queries(self, qualname: str) -> bool | None:
        """Whether ListView's get() runs a query for this class: it paginates, or refuses empty lists.

        None when a value is not a literal or the project overrides the getters.
        """
        values: dict[str, bool | None] = {}
        for name, cls in self.ancestors(qualname):
            if django_view_handlers(name) is not None:
                break
            summary = self.class_summary(name) if cls is not None else None
            if summary is None or summary.method("get_paginate_by") or summary.method("get_allow_empty"):
                return None
            for option, value in cls.list_options:
                values.setdefault(option, value)
        paginates, allow_empty = values.get("paginate_by", False), values.get("allow_empty", True)
        if paginates is None or allow_empty is None:
            return None
        return paginates or not allow_empty

    def class_summary(self, qualname: str):
        module, _, attr = qualname.rpartition(".")
        return self.index.modules[module].classes.get(attr)

    @cached_property
    def routed_async_views(self) -> tuple[ViewRef, ...]:
        """The async views the project's URLconfs route to."""
        views = []
        for module in self.index.modules:
            if not self.index.mentions(module, "urlpatterns"):
                continue
            for route in self.index.modules[module].request_path.routes:
                if self.resolve_name(module, route.callee) not in _ROUTE_FUNCTIONS:
                    continue
                view = self._async_view(module, route.view, route.as_view)
                if view is None:
                    continue
                wrappers = {self.resolve_name(module, w) for w in route.wrappers}
                if NON_ATOMIC_REQUESTS in wrappers:
                    continue
                views.append(view)
        return tuple(views)

    def _async_view(self, module: str, written: str, as_view: bool) -> ViewRef | None:
        target = self.resolve_name(module, written)
        if target is None:
            return None
        if as_view:
            handlers = self.handlers(target)
            if not handlers or not all(is_async for is_async, _ in handlers.values()):
                return None
            found = self.request_class(target)
            refs = self._class_non_atomic(found) if found else None
            return ViewRef(target, refs)
        function = self.request_function(target)
        if function is None or not function[1].is_async:
            return None
        name, facts = function
        module = name.rpartition(".")[0]
        if not all(self._keeps_view_async(module, decorator) for decorator in facts.decorators):
            return None  # Django may not see a coroutine function (ADJ703's finding)
        return ViewRef(name, self._non_atomic(module, facts.decorators))

    def _keeps_view_async(self, module: str, decorator: DecoratorRef) -> bool:
        """non_atomic_requests, Django's view decorators, and project decorators with an async wrapper."""
        qualname = self.resolve_decorator(module, decorator)
        if qualname == NON_ATOMIC_REQUESTS or qualname in VIEW_DECORATORS:
            return True
        function = self.request_function(qualname) if qualname and not decorator.called else None
        return function is not None and function[1].async_wrapper

    def _non_atomic(self, module: str, decorators) -> frozenset[str] | None:
        aliases: set[str] = set()
        for decorator in decorators:
            if self.resolve_decorator(module, decorator) != NON_ATOMIC_REQUESTS:
                continue
            using = "default"
            if decorator.args or decorator.keywords:
                using = decorator.keyword("using") if not decorator.args else None
            if using is None:
                return None  # not a literal: it may name any alias
            aliases.add(using)
        return frozenset(aliases)

    def _class_non_atomic(self, found: tuple[str, RequestClass]) -> frozenset[str] | None:
        """`@method_decorator(transaction.non_atomic_requests, name="dispatch")` on a CBV."""
        name, cls = found
        module = name.rpartition(".")[0]
        decorated = [d for d in cls.decorators if self.resolve_decorator(module, d) == METHOD_DECORATOR] + [
            d
            for method, refs in cls.method_decorators
            if method == "dispatch"
            for d in refs
            if self.resolve_decorator(module, d) == METHOD_DECORATOR
        ]
        if any(self.resolve_name(module, d.first_arg) == NON_ATOMIC_REQUESTS for d in decorated):
            return None
        return frozenset()

    # -- settings -----------------------------------------------------------------

    def settings(self, settings_module: str | None = None) -> ProjectSettings:
        if settings_module not in self._settings:
            self._settings[settings_module] = self._read_settings(self._settings_roots(settings_module))
        return self._settings[settings_module]

    def _settings_roots(self, settings_module: str | None) -> tuple[str, ...]:
        if settings_module:
            found = self.find_module(settings_module)
            return (found,) if found else ()
        defaults = [
            found
            for name in self.index.modules
            if self.index.mentions(name, SETTINGS_ENV)
            for default in self.index.modules[name].request_path.settings_defaults
            if (found := self.find_module(default)) is not None
        ]
        if defaults:
            return tuple(dict.fromkeys(defaults))
        return tuple(name for name in self.index.modules if _named_like_settings(name))

    def _read_settings(self, roots: tuple[str, ...]) -> ProjectSettings:
        modules: set[str] = set()
        lists = {"MIDDLEWARE"}
        middleware: list[str] = []
        atomic: set[tuple[str, str]] = set()
        asgi = any(self._is_asgi_module(name) for name in self.index.modules)
        for root in roots:
            state = _SettingsState()
            self._replay(root, state, 0)
            modules.update(state.modules)
            lists |= state.sources.get("MIDDLEWARE", set())
            middleware += [entry for entry in state.lists.get("MIDDLEWARE") or () if entry]
            atomic |= {(alias, module) for alias, (value, module) in state.atomic.items() if value}
            asgi = asgi or state.asgi_application
        return ProjectSettings(
            roots=roots,
            modules=frozenset(modules),
            middleware_lists=frozenset(lists),
            middleware=tuple(dict.fromkeys(middleware)),
            atomic_requests=tuple(sorted(atomic)),
            asgi_application=asgi,
        )

    def _is_asgi_module(self, name: str) -> bool:
        if name.rpartition(".")[2] != "asgi":
            return False
        imports = self.index.modules[name].imports.values()
        return any(target.startswith(("django.core.asgi", "channels.")) for target in imports)

    def _replay(self, module: str, state: _SettingsState, depth: int) -> None:
        if module in state.modules or depth > _MAX_DEPTH:
            return
        state.modules.append(module)
        summary = self.index.modules[module]
        for op in summary.request_path.settings:
            if op.kind == "star_import":
                target = self.find_module(absolute_target(op.target, module, summary.is_package))
                if target is not None:
                    self._replay(target, state, depth + 1)
            else:
                _apply(op, module, state)


def _named_like_settings(module: str) -> bool:
    """`settings.py`, `settings/__init__.py` and the modules of a `settings/` package."""
    parts = module.split(".")
    return parts[-1] == "settings" or (len(parts) > 1 and parts[-2] == "settings")


def _apply(op: SettingsOp, module: str, state: _SettingsState) -> None:
    if op.kind == "databases":
        state.atomic = {alias: (value, module) for alias, value in op.atomic or ()}
    elif op.kind == "atomic_set":
        if op.entry is not None:
            state.atomic[op.entry] = (op.value, module)
        else:
            state.atomic.clear()
    elif op.kind == "asgi_application":
        state.asgi_application = True
    elif op.kind.startswith("list_"):
        _apply_list(op, state)


def _apply_list(op: SettingsOp, state: _SettingsState) -> None:
    current = state.lists.get(op.name)
    sources = state.sources.setdefault(op.name, set())
    if op.kind == "list_assign":
        fresh: set[str] = set()
        state.lists[op.name] = _concat(op.parts, state, fresh)
        state.sources[op.name] = fresh
    elif op.kind == "list_extend":
        extra = _concat(op.parts, state, sources)
        state.lists[op.name] = None if current is None or extra is None else current + extra
    elif op.kind == "list_insert" and current is not None:
        updated = list(current)
        if op.index is None:
            updated.append(op.entry)
        else:
            updated.insert(op.index, op.entry)
        state.lists[op.name] = tuple(updated)
    elif op.kind == "list_remove" and current is not None and op.entry is not None and op.entry in current:
        updated = list(current)
        updated.remove(op.entry)
        state.lists[op.name] = tuple(updated)
    else:
        state.lists[op.name] = None


def _concat(
    parts: tuple[ListPart, ...] | None, state: _SettingsState, sources: set[str]
) -> tuple[str | None, ...] | None:
    if parts is None:
        return None
    entries: list[str | None] = []
    for part in parts:
        if part.name is None:
            entries += part.entries
            continue
        sources.add(part.name)
        sources |= state.sources.get(part.name, set())
        value = state.lists.get(part.name)
        if value is None:
            return None
        entries += value
    return tuple(entries)
