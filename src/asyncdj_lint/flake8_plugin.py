"""The flake8 plugin (`ADJ` codes): a thin adapter over the lint session of `api.py`.

flake8 calls the plugin once per file, often in several worker processes.
Each process opens one `LintSession` per project and keeps it for every later
file, so a file is linted with the whole project's index while the project is
scanned, and its unchanged files' summaries loaded from the disk cache, once.
The text checked is the one flake8 read (its `lines`), stdin's for `flake8 -`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from asyncdj_lint import __version__
from asyncdj_lint.api import LintSession, resolve_options
from asyncdj_lint.config import ConfigError, load_settings, to_options
from asyncdj_lint.facts.django_version import marked_root

_SAVE_INTERVAL = 2.0  # seconds between cache writes within one flake8 process
# project root -> its session, in this process
_SESSIONS: dict[Path, LintSession] = {}


def _session(filename: Path) -> LintSession:
    settings = load_settings([filename])
    # With no marker above the file, the project is the folder flake8 runs in (not the file's own folder).
    marked = settings.config_file is not None or marked_root([filename]) is not None
    root = settings.root if marked and settings.root is not None else Path.cwd().resolve()
    if root not in _SESSIONS:
        options = resolve_options([filename], replace(to_options(settings), root=root))
        _SESSIONS[root] = LintSession(options, save_interval=_SAVE_INTERVAL)
    return _SESSIONS[root]


class Plugin:
    name = "asyncdj-lint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = Path(filename)
        self.source = "".join(lines)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        try:
            session = _session(self.filename)
        except ConfigError as error:
            yield 1, 0, f"ADJ000 asyncdj-lint configuration: {error}", type(self)
            return
        result = session.lint([self.filename], stdin=self.source)
        session.save_cache()
        for d in result.diagnostics:
            # flake8 counts columns from 0 and adds 1 when it prints them.
            yield d.line, d.column - 1, f"{d.code} {d.message}", type(self)
