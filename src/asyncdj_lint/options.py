"""The options one run is made with, merged from pyproject.toml and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from asyncdj_lint.diagnostics import Severity
from asyncdj_lint.discovery import SKIPPED_DIRS

DEFAULT_EXCLUDE = tuple(sorted(SKIPPED_DIRS))


@dataclass
class RuleSelection:
    """Which codes run: `select`/`ignore` hold codes or prefixes, as ruff's."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def enabled(self, code: str, severity: Severity) -> bool:
        if _matches(code, self.ignore) and not _more_specific(code, self.select, self.ignore):
            return False
        if self.select:
            return _matches(code, self.select)
        return severity is not Severity.ADVISORY


def _matches(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


def _more_specific(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """ruff's tie-break: the longer matching prefix wins."""
    best_select = max((len(p) for p in select if code.startswith(p)), default=-1)
    best_ignore = max((len(p) for p in ignore if code.startswith(p)), default=-1)
    return best_select > best_ignore


@dataclass(frozen=True)
class LintOptions:
    selection: RuleSelection = field(default_factory=RuleSelection)
    # (major, minor) of the Django the project targets; None until detected.
    target_django: tuple[int, int] | None = None
    # Whether `target_django` is the project's own declaration, the lowest version its
    # packaging files admit or `target-django` in its configuration: not the newest-LTS
    # fallback, nor a `--target-django` given on the command line (ADJ515 needs a declaration).
    django_declared: bool = False
    # The async HTTP clients the project installs to run, by its packaging files ("httpx"):
    # ADJ512 rewrites a blocking HTTP call to one only then. Filled in with the root.
    async_http_clients: tuple[str, ...] = ()
    # Extra blocking callables, by qualified name (`blocking-calls` in pyproject.toml).
    blocking_calls: tuple[str, ...] = ()
    # Django settings module, dotted (`settings-module` in pyproject.toml).
    settings_module: str | None = None
    # The project's root folder: every Python file under it feeds the index.
    # None: found from the linted paths (pyproject.toml, setup.cfg, manage.py, .git).
    root: Path | None = None
    # Glob patterns of files and folders left out, as ruff's `exclude` (see workspace.py).
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    # Whether `exclude` also drops files named on the command line.
    force_exclude: bool = False
    # Whether files git ignores are left out of folders searched (`respect-gitignore`).
    respect_gitignore: bool = True
    # (glob, codes) pairs: findings of those codes in matching files are dropped.
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Whether per-file summaries are cached on disk under the root.
    cache: bool = True
