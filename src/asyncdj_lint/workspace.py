"""The project a run belongs to: its root folder and which of its files are excluded."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from asyncdj_lint.options import DEFAULT_EXCLUDE


@dataclass(frozen=True)
class Exclusion:
    """Glob patterns, as in ruff's `exclude`: a pattern without a slash matches any
    file or folder name; one with a slash matches a path relative to the root."""

    patterns: tuple[str, ...] = DEFAULT_EXCLUDE
    root: Path | None = None

    def excludes(self, path: Path) -> bool:
        return _excluded(self, self._parts(path))

    @cached_property
    def _name_pattern(self) -> re.Pattern[str] | None:
        return _compiled(pattern for pattern in self._cleaned if "/" not in pattern)

    @cached_property
    def _path_pattern(self) -> re.Pattern[str] | None:
        return _compiled(pattern.removeprefix("./") for pattern in self._cleaned if "/" in pattern)

    @property
    def _cleaned(self) -> list[str]:
        return [pattern.rstrip("/") for pattern in self.patterns]

    def _parts(self, path: Path) -> tuple[str, ...]:
        absolute = _resolved_folder(path.parent) / path.name
        if self.root is not None and absolute.is_relative_to(self.root):
            return absolute.relative_to(self.root).parts
        return path.parts


@lru_cache(maxsize=65536)
def _excluded(exclusion: Exclusion, parts: tuple[str, ...]) -> bool:
    """A path is excluded when its folder is, or its name or its path matches.

    Cached per folder, so the files of a folder cost one match of their name.
    """
    if not parts:
        return False
    if _excluded(exclusion, parts[:-1]):
        return True
    names, paths = exclusion._name_pattern, exclusion._path_pattern
    return bool(names and names.match(parts[-1])) or bool(paths and paths.match("/".join(parts)))


def _compiled(globs: Iterable[str]) -> re.Pattern[str] | None:
    translated = [fnmatch.translate(glob) for glob in globs]
    return re.compile("|".join(translated)) if translated else None


@lru_cache(maxsize=4096)
def _resolved_folder(folder: Path) -> Path:
    # Every file of a folder shares it: resolving symlinks once per folder, not per file.
    return folder.resolve()


def matches_any(path: Path, globs: Iterable[str], root: Path | None) -> bool:
    """Whether one of `globs` (per-file-ignores keys) matches the file, as `Exclusion` matches."""
    return Exclusion(tuple(globs), root).excludes(path)
