"""The project's settings, read without importing anything.

The settings modules are found from `DJANGO_SETTINGS_MODULE` defaults
(manage.py, asgi.py, wsgi.py), else from their names (`settings.py`, a
`settings/` package), or named with `--settings`; their statements are then
replayed in order, following `from .base import *`. A value that is not a
literal stays unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from asyncdj_lint.analysis.names import absolute_target
from asyncdj_lint.index.request_path.definitions import MAX_DEPTH, Definitions
from asyncdj_lint.index.request_path.settings_ops import (
    SETTINGS_ENV,
    AsgiApplication,
    AtomicSet,
    DatabasesAssign,
    ListAssign,
    ListExtend,
    ListInsert,
    ListOp,
    ListParts,
    ListRemove,
    SettingsOp,
    StarImport,
)

if TYPE_CHECKING:
    from asyncdj_lint.index.project import ProjectIndex


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


class SettingsIndex(Definitions):
    """The settings a project runs with, per `--settings` module (None: found from the project)."""

    def __init__(self, index: ProjectIndex) -> None:
        super().__init__(index)
        self._settings: dict[str | None, ProjectSettings] = {}

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
        if module in state.modules or depth > MAX_DEPTH:
            return
        state.modules.append(module)
        summary = self.index.modules[module]
        for op in summary.request_path.settings:
            if isinstance(op, StarImport):
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
    if isinstance(op, DatabasesAssign):
        state.atomic = {alias: (value, module) for alias, value in op.atomic or ()}
    elif isinstance(op, AtomicSet):
        if op.alias is not None:
            state.atomic[op.alias] = (op.value, module)
        else:
            state.atomic.clear()
    elif isinstance(op, AsgiApplication):
        state.asgi_application = True
    elif not isinstance(op, StarImport):
        _apply_list(op, state)


def _apply_list(op: ListOp, state: _SettingsState) -> None:
    current = state.lists.get(op.name)
    sources = state.sources.setdefault(op.name, set())
    if isinstance(op, ListAssign):
        fresh: set[str] = set()
        state.lists[op.name] = _concat(op.parts, state, fresh)
        state.sources[op.name] = fresh
    elif isinstance(op, ListExtend):
        extra = _concat(op.parts, state, sources)
        state.lists[op.name] = None if current is None or extra is None else current + extra
    elif isinstance(op, ListInsert) and current is not None:
        updated = list(current)
        if op.index is None:
            updated.append(op.entry)
        else:
            updated.insert(op.index, op.entry)
        state.lists[op.name] = tuple(updated)
    elif isinstance(op, ListRemove) and current is not None and op.entry is not None and op.entry in current:
        updated = list(current)
        updated.remove(op.entry)
        state.lists[op.name] = tuple(updated)
    else:
        state.lists[op.name] = None


def _concat(parts: ListParts, state: _SettingsState, sources: set[str]) -> tuple[str | None, ...] | None:
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
