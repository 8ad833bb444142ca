"""The project's settings, read without importing anything.

The settings modules are found from `DJANGO_SETTINGS_MODULE` defaults
(manage.py, asgi.py, wsgi.py), else from their names (`settings.py`, a
`settings/` package), or named with `--settings`; their statements are then
replayed in order, following `from .base import *`. A value that is not a
literal stays unknown.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from asyncdj_lint.facts.async_unsafe import environment_sets_async_unsafe
from asyncdj_lint.facts.contrib_models import USER_MODEL_DEFAULT
from asyncdj_lint.facts.deployment import Evidence, deployment_evidence
from asyncdj_lint.index.request_path.definitions import MAX_DEPTH, Definitions
from asyncdj_lint.index.request_path.settings_ops import (
    ASGI_SERVER_APPS,
    SETTINGS_ENV,
    TEXT_SETTINGS,
    AsgiApplication,
    AtomicSet,
    CacheBackendSet,
    CachesAssign,
    DatabasesAssign,
    FlagAssign,
    ListAssign,
    ListDelete,
    ListExtend,
    ListInsert,
    ListOp,
    ListParts,
    ListPop,
    ListRemove,
    ListSetItem,
    ListUnknown,
    SettingsOp,
    SplitInclude,
    StarImport,
    TextAssign,
)
from asyncdj_lint.index.request_path.testing import (
    AsyncUnsafeTests,
    async_unsafe_line,
    is_test_module,
    test_runner,
    test_settings_module,
)
from asyncdj_lint.syntax.names import absolute_target

if TYPE_CHECKING:
    from asyncdj_lint.index.project import ProjectIndex


# Django's global default: one local-memory cache.
LOCMEM_CACHE = "django.core.cache.backends.locmem.LocMemCache"
DEFAULT_CACHES: tuple[tuple[str, str | None], ...] = (("default", LOCMEM_CACHE),)

# Entries kept per list setting; a longer one is taken as unknown.
_MAX_ENTRIES = 10_000

# Where a list entry is written: (module, number of the settings operation in it,
# number of the literal entry in that operation), as `entry_nodes` counts them.
Origin = tuple[str, int, int]


class ListEntry(NamedTuple):
    value: str | None  # None when not a string literal
    origin: Origin


ListValue = tuple[ListEntry, ...] | None  # None: unknown


@dataclass
class _SettingsState:
    """The values a settings module chain has built so far."""

    lists: dict[str, ListValue] = field(default_factory=dict)
    # alias -> (ATOMIC_REQUESTS, module that set it)
    atomic: dict[str, tuple[bool | None, str]] = field(default_factory=dict)
    # alias -> BACKEND (None when unknown); None when CACHES as a whole is unknown
    caches: dict[str, str | None] | None = field(default_factory=lambda: dict(DEFAULT_CACHES))
    # where ASGI_APPLICATION is set: (module, settings operation number)
    asgi_application: tuple[str, int] | None = None
    modules: list[str] = field(default_factory=list)
    # How the test run starts ("manage-test", "pytest"), or None outside tests or when not known:
    # `if` blocks on flag settings are judged only in a known test run.
    run: str | None = None
    flags: dict[str, bool | None] = field(default_factory=dict)
    # setting -> the module whose statement last bound the name to a list ("" when not known)
    bound: dict[str, str] = field(default_factory=dict)
    # Lists whose entries are known but not their order (an insert at an index not known).
    unordered: set[str] = field(default_factory=set)
    # TEXT_SETTINGS written so far (None: written, value unknown)
    texts: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectSettings:
    """What the project's settings modules say, merged over every settings module found."""

    roots: tuple[str, ...] = ()
    modules: frozenset[str] = frozenset()
    # The entries of the MIDDLEWARE list Django ends up with, and where each is written.
    middleware: tuple[str, ...] = ()
    middleware_origins: frozenset[Origin] = frozenset()
    # (alias, module that sets ATOMIC_REQUESTS = True)
    atomic_requests: tuple[tuple[str, str], ...] = ()
    # What says the project is served over ASGI; None when nothing does.
    asgi: Evidence | None = None
    # alias -> BACKEND of the CACHES Django ends up with (a BACKEND None when unknown);
    # None when unknown as a whole, or when no settings module was found.
    caches: tuple[tuple[str, str | None], ...] | None = None
    # Settings set to True or False (None: set to something not known) by every settings module found.
    flags: tuple[tuple[str, bool | None], ...] = ()

    def flag(self, name: str) -> bool | None:
        """The value the settings give `name`: True, False, or None when it is not known."""
        return dict(self.flags).get(name)

    # The INSTALLED_APPS entries every settings module found ends up with; None when unknown
    # (or when no settings module was found).
    installed_apps: frozenset[str] | None = None
    # AUTH_USER_MODEL ("app_label.Model") every settings module found agrees on, Django's
    # default when none sets it; None when unknown (or when no settings module was found).
    user_model: str | None = None

    @property
    def asgi_application(self) -> bool:
        """Whether the project is served over ASGI, as far as its files say."""
        return self.asgi is not None


class SettingsIndex(Definitions):
    """The settings a project runs with, per `--settings` module (None: found from the project)."""

    def __init__(self, index: ProjectIndex) -> None:
        super().__init__(index)
        self._settings: dict[tuple[str | None, str | None], ProjectSettings] = {}
        self._async_unsafe_app: dict[str | None, str | None] = {}

    @cached_property
    def test_settings_module(self) -> str | None:
        """The settings module the project's tests run under (pytest-django, `manage.py test`)."""
        return test_settings_module(self.index.root) if self.index.root is not None else None

    @cached_property
    def async_unsafe_tests(self) -> AsyncUnsafeTests:
        """Which test files run with `DJANGO_ALLOW_ASYNC_UNSAFE` set (conftest.py, pytest-env, test settings)."""
        found = self.find_module(self.test_settings_module) if self.test_settings_module else None
        root = self.index.root
        path = root / _module_path(found, self.index.modules[found].is_package) if found and root else None
        try:
            source = path.read_text(encoding="utf-8", errors="replace") if path is not None else ""
        except OSError:
            source = ""
        return AsyncUnsafeTests(self.index.root, source)

    def async_unsafe_app(self, settings_module: str | None = None) -> str | None:
        """`path:line` where `DJANGO_ALLOW_ASYNC_UNSAFE` is set for the application (not its tests):
        its settings modules and the modules they star-import, the modules that name the settings
        (manage.py, asgi.py, wsgi.py), or its `.env`, docker-compose and Dockerfile files."""
        root = self.index.root
        if root is None:
            return None
        if settings_module not in self._async_unsafe_app:
            roots = self._settings_roots(settings_module)
            starters = [name for name in self.index.modules if self.index.mentions(name, SETTINGS_ENV)]
            modules = [*roots, *(base for name in roots for base in self._star_imports(name)), *starters]
            found = next(
                (where for name in dict.fromkeys(modules) if (where := self._sets_async_unsafe(name))), None
            )
            self._async_unsafe_app[settings_module] = found or environment_sets_async_unsafe(root)
        return self._async_unsafe_app[settings_module]

    def _sets_async_unsafe(self, module: str) -> str | None:
        root = self.index.root
        if root is None or is_test_module(module):
            return None
        path = _module_path(module, self.index.modules[module].is_package)
        try:
            line = async_unsafe_line((root / path).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return None
        return None if line is None else f"{path}:{line}"

    def settings_for(self, module: str, settings_module: str | None = None) -> ProjectSettings:
        """The settings `module`'s code runs under: the test settings for test code, when configured."""
        if not is_test_module(module):
            return self.settings(settings_module)
        test_settings = self.test_settings_module
        if test_settings is not None and self.find_module(test_settings):
            return self.settings(test_settings, self.test_run)
        return self.settings(settings_module, self.test_run)

    @cached_property
    def test_run(self) -> str | None:
        """How the project's tests are started: "pytest", "manage-test", or None when not known."""
        return test_runner(self.index.root) if self.index.root is not None else None

    def settings(self, settings_module: str | None = None, run: str | None = None) -> ProjectSettings:
        """`run`: the test run the settings are read for (see `_SettingsState.run`)."""
        key = (settings_module, run)
        if key not in self._settings:
            self._settings[key] = self._read_settings(self._settings_roots(settings_module), run)
        return self._settings[key]

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
        candidates = [name for name in self.index.modules if _named_like_settings(name)]
        # A base that other settings modules star-import and edit is not run on its own.
        bases = {base for name in candidates for base in self._star_imports(name)}
        return tuple(name for name in candidates if name not in bases) or tuple(candidates)

    def _star_imports(self, module: str) -> Iterator[str]:
        summary = self.index.modules[module]
        for op in summary.request_path.settings:
            if isinstance(op, StarImport):
                target = self.find_module(absolute_target(op.target, module, summary.is_package))
                if target is not None and target != module:
                    yield target

    @cached_property
    def deployment(self) -> tuple[Evidence, ...]:
        """The server commands of the project's deployment files."""
        return deployment_evidence(self.index.root) if self.index.root is not None else ()

    def _read_settings(self, roots: tuple[str, ...], run: str | None = None) -> ProjectSettings:
        modules: set[str] = set()
        middleware: list[str] = []
        origins: set[Origin] = set()
        atomic: set[tuple[str, str]] = set()
        caches: list[dict[str, str | None] | None] = []
        flags: list[dict[str, bool | None]] = []
        installed: list[frozenset[str] | None] = []
        user_models: set[str | None] = set()
        asgi = next((evidence for evidence in self.deployment if evidence.asgi), None)
        for root in roots:
            state = _SettingsState(run=run)
            self._replay(root, state, 0)
            modules.update(state.modules)
            final = [entry for entry in state.lists.get("MIDDLEWARE") or () if entry.value]
            middleware += [entry.value for entry in final if entry.value]
            origins |= {entry.origin for entry in final}
            atomic |= {(alias, module) for alias, (value, module) in state.atomic.items() if value}
            asgi = asgi or self._settings_evidence(state)
            caches.append(state.caches)
            flags.append(state.flags)
            apps = state.lists.get("INSTALLED_APPS")
            installed.append(None if apps is None else frozenset(e.value for e in apps if e.value))
            user_models.add(state.texts.get("AUTH_USER_MODEL", USER_MODEL_DEFAULT))
        known_apps = [apps for apps in installed if apps is not None]
        return ProjectSettings(
            roots=roots,
            modules=frozenset(modules),
            middleware=tuple(dict.fromkeys(middleware)),
            middleware_origins=frozenset(origins),
            atomic_requests=tuple(sorted(atomic)),
            asgi=asgi,
            caches=_merged_caches(caches),
            flags=_merged_flags(flags),
            installed_apps=frozenset.intersection(*known_apps)
            if known_apps and len(known_apps) == len(installed)
            else None,
            user_model=user_models.pop() if len(user_models) == 1 else None,
        )

    def _settings_evidence(self, state: _SettingsState) -> Evidence | None:
        """ASGI_APPLICATION, or daphne / channels in the final INSTALLED_APPS."""
        if state.asgi_application is not None:
            return self._evidence_at(*state.asgi_application, "ASGI_APPLICATION")
        for entry in state.lists.get("INSTALLED_APPS") or ():
            if entry.value in ASGI_SERVER_APPS:
                module, number, _ = entry.origin
                return self._evidence_at(module, number, f'"{entry.value}" in INSTALLED_APPS')
        return None

    def _evidence_at(self, module: str, number: int, what: str) -> Evidence:
        summary = self.index.modules[module]
        path = module.replace(".", "/") + ("/__init__.py" if summary.is_package else ".py")
        line = summary.request_path.settings_lines.get(number)
        return Evidence(True, f"{path}:{line}" if line else path, what)

    def _replay_include(self, op: SplitInclude, module: str, state: _SettingsState, depth: int) -> None:
        """django-split-settings runs each included file, in order, in the including module's namespace;
        a glob's matches in sorted order. What an include in an `if` block may set is unknown."""
        before = state.caches
        targets = self._included(op, module)
        if targets is None:
            state.caches = None
        for target in targets or ():
            self._replay(target, state, depth + 1)
        if op.conditional and state.caches != before:
            state.caches = None

    def _included(self, op: SplitInclude, module: str) -> list[str] | None:
        """The project modules the include runs, in order; None when a pattern is not a literal or a
        required file is not a project module."""
        if op.patterns is None:
            return None
        folder = posixpath.dirname(_module_path(module, self.index.is_package(module)))
        paths = {_module_path(name, self.index.is_package(name)): name for name in self.index.modules}
        targets: list[str] = []
        for pattern, optional in op.patterns:
            wanted = posixpath.normpath(posixpath.join(folder, pattern))
            matched = sorted(path for path in paths if fnmatch.fnmatchcase(path, wanted))
            if not matched and not optional:
                return None
            targets += [paths[path] for path in matched]
        return targets

    def _replay(self, module: str, state: _SettingsState, depth: int) -> None:
        if module in state.modules or depth > MAX_DEPTH:
            return
        state.modules.append(module)
        summary = self.index.modules[module]
        for number, written in enumerate(summary.request_path.settings):
            op = _in_run(written, state)
            if op is None:
                continue
            if isinstance(op, FlagAssign):
                _set_flag(op, state)
            elif isinstance(op, StarImport):
                target = self.find_module(absolute_target(op.target, module, summary.is_package))
                if target is not None:
                    self._replay(target, state, depth + 1)
            elif isinstance(op, SplitInclude):
                self._replay_include(op, module, state, depth)
            elif not self._holds_import(op, module, state):
                _apply(op, (module, number), state)
                if isinstance(op, ListAssign | ListUnknown):
                    state.bound[op.name] = module if isinstance(op, ListAssign) else ""

    def _holds_import(self, op: SettingsOp, module: str, state: _SettingsState) -> bool:
        """`from .base import MIDDLEWARE` in a module replayed after `.base`, which bound that list:
        the name is the same list object the replay holds, and later edits change it in place."""
        if not isinstance(op, ListUnknown) or op.source is None or op.name not in state.bound:
            return False
        summary = self.index.modules[module]
        source = self.find_module(absolute_target(op.source, module, summary.is_package))
        return source is not None and state.bound[op.name] == source


_FLAG_VALUES: dict[str, dict[str | None, bool | None]] = {
    "true": {None: True, "pytest": True, "manage-test": True},
    "false": {None: False, "pytest": False, "manage-test": False},
    # `sys.argv[1] == "test"`: the command is `manage.py test`, not pytest's.
    "argv-test": {None: None, "pytest": False, "manage-test": True},
}


def _in_run(op: SettingsOp, state: _SettingsState) -> SettingsOp | None:
    """The operation as the test run sees it: unconditional when its `if` runs, None when it does
    not; unchanged outside a known test run or when the `if` tests a setting not known."""
    if state.run is None or not isinstance(op, CachesAssign | CacheBackendSet | SplitInclude | FlagAssign):
        return op
    if op.condition is None:
        return op
    name, runs_on = op.condition
    truth = state.flags.get(name)
    if truth is None:
        return op
    return replace(op, conditional=False, condition=None) if truth == runs_on else None


def _set_flag(op: FlagAssign, state: _SettingsState) -> None:
    value = _FLAG_VALUES.get(op.value, {}).get(state.run)
    if op.conditional and state.flags.get(op.name) != value:
        value = None
    state.flags[op.name] = value


def _module_path(module: str, is_package: bool) -> str:
    return module.replace(".", "/") + ("/__init__.py" if is_package else ".py")


def _caches_after(
    op: CachesAssign | CacheBackendSet, caches: dict[str, str | None] | None
) -> dict[str, str | None] | None:
    """CACHES after one statement; one in an `if` block leaves unknown what it may change."""
    if isinstance(op, CachesAssign):
        written = None if op.backends is None else dict(op.backends)
    elif caches is None or op.alias is None:
        written = None
    else:
        written = {**caches, op.alias: op.backend}
    if not op.conditional or written is None or caches is None:
        return None if op.conditional else written
    merged: dict[str, str | None] = {}
    for alias in {**caches, **written}:
        if alias not in written or alias not in caches:
            # Where it exists, the alias has the one backend it is given.
            merged[alias] = caches.get(alias) if alias not in written else written[alias]
        else:
            merged[alias] = caches[alias] if caches[alias] == written[alias] else None
    return merged


def _merged_caches(found: list[dict[str, str | None] | None]) -> tuple[tuple[str, str | None], ...] | None:
    """The caches every settings module found agrees on: a BACKEND they disagree on is unknown."""
    if not found or any(caches is None for caches in found):
        return None
    merged: dict[str, str | None] = {}
    for caches in found:
        for alias, backend in (caches or {}).items():
            merged[alias] = backend if merged.get(alias, backend) == backend else None
    return tuple(merged.items())


def _merged_flags(found: list[dict[str, bool | None]]) -> tuple[tuple[str, bool | None], ...]:
    """The flags every settings module found sets to the same value; one they disagree on is unknown."""
    names = {name for flags in found for name in flags}
    merged = {name: {flags.get(name) for flags in found} for name in sorted(names)}
    return tuple((name, values.pop() if len(values) == 1 else None) for name, values in merged.items())


def _named_like_settings(module: str) -> bool:
    """`settings.py`, `settings/__init__.py` and the modules of a `settings/` package."""
    parts = module.split(".")
    return parts[-1] == "settings" or (len(parts) > 1 and parts[-2] == "settings")


def _apply(op: SettingsOp, where: tuple[str, int], state: _SettingsState) -> None:
    module = where[0]
    if isinstance(op, DatabasesAssign):
        state.atomic = {alias: (value, module) for alias, value in op.atomic or ()}
    elif isinstance(op, AtomicSet):
        if op.alias is not None:
            state.atomic[op.alias] = (op.value, module)
        else:
            state.atomic.clear()
    elif isinstance(op, AsgiApplication):
        state.asgi_application = where
    elif isinstance(op, TextAssign):
        state.texts[op.name] = None if op.conditional else op.value
    elif isinstance(op, CachesAssign | CacheBackendSet):
        state.caches = _caches_after(op, state.caches)
    elif not isinstance(op, StarImport | SplitInclude | FlagAssign) and op.name == "CACHES":
        state.caches = None  # `CACHES.update(...)` and the like
    elif not isinstance(op, StarImport | SplitInclude | FlagAssign):
        _apply_list(op, where, state)


def _apply_list(op: ListOp, where: tuple[str, int], state: _SettingsState) -> None:
    if op.name in TEXT_SETTINGS:
        state.texts[op.name] = None  # imported or edited: no longer a known literal
        return
    current = state.lists.get(op.name)
    if isinstance(op, ListInsert) and not op.placed:
        state.unordered.add(op.name)  # the entry is in the list; where is not known
    if isinstance(op, ListAssign | ListExtend) and any(
        part.name in state.unordered for part in op.parts or ()
    ):
        state.unordered.add(op.name)  # built from a list whose order is not known
    elif isinstance(op, ListAssign):
        state.unordered.discard(op.name)
    if isinstance(op, ListAssign):
        state.lists[op.name] = _concat(op.parts, where, state)
    elif isinstance(op, ListExtend):
        extra = _concat(op.parts, where, state)
        state.lists[op.name] = None if current is None or extra is None else current + extra
    elif isinstance(op, ListUnknown) or current is None:
        state.lists[op.name] = None
    elif isinstance(op, ListPop | ListDelete | ListSetItem) and op.name in state.unordered:
        state.lists[op.name] = None  # which entry the index names is not known
    else:
        entry = op.entry if isinstance(op, ListInsert | ListSetItem) else None
        state.lists[op.name] = _edited(op, ListEntry(entry, (*where, 0)), current)
    if (value := state.lists[op.name]) is not None and len(value) > _MAX_ENTRIES:
        state.lists[op.name] = None  # `X += X` repeated: Django would not get this far either


def _edited(
    op: ListInsert | ListRemove | ListPop | ListDelete | ListSetItem,
    written: ListEntry,
    current: tuple[ListEntry, ...],
) -> ListValue:
    """The list after one in-place edit, as Python does it; None when the entry edited is unknown
    or the edit raises (an index out of range, an entry not in the list)."""
    updated = list(current)
    size = len(updated)
    if isinstance(op, ListInsert):
        index = size if op.index is None else op.index
        if op.anchor is not None:
            values = [entry.value for entry in updated]
            if op.anchor[0] not in values:
                return None  # list.index raises ValueError
            index = values.index(op.anchor[0]) + op.anchor[1]
        # list.insert clamps its index; clamping first keeps a 20-digit index from overflowing.
        updated.insert(min(max(index, -size - 1), size), written)
    elif isinstance(op, ListRemove):
        values = [entry.value for entry in updated]
        if op.entry is None or op.entry not in values:
            return None
        del updated[values.index(op.entry)]
    elif isinstance(op, ListDelete) and op.slice:
        del updated[_clamped(op.start, size) : _clamped(op.stop, size)]
    else:
        position = op.start if isinstance(op, ListDelete) else op.index
        if isinstance(op, ListPop) and position is None:
            position = -1
        if position is None or not -size <= position < size:
            return None
        if isinstance(op, ListSetItem):
            updated[position] = written
        else:
            del updated[position]
    return tuple(updated)


def _clamped(bound: int | None, size: int) -> int | None:
    """A slice bound, clamped as slicing does (so no huge number reaches the list)."""
    return None if bound is None else min(max(bound, -size - 1), size + 1)


def _concat(parts: ListParts, where: tuple[str, int], state: _SettingsState) -> ListValue:
    """The entries of a list built from literals and other list settings; None when unknown."""
    if parts is None:
        return None
    entries: list[ListEntry] = []
    written = 0
    for part in parts:
        if part.name is None:
            entries += [ListEntry(value, (*where, written + n)) for n, value in enumerate(part.entries)]
            written += len(part.entries)
            continue
        value = state.lists.get(part.name)
        if value is None:
            return None
        entries += value
    return tuple(entries)
