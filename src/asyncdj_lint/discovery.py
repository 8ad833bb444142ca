"""Which files to lint, and the module name each one has in its project."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

# Folders never searched for source (explicit file arguments are still linted).
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".eggs", "node_modules",
        "build", "dist", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
        ".asyncdj-lint-cache", "site-packages", "__pypackages__", ".direnv",
    }
)  # fmt: skip


def python_files(
    paths: Iterable[Path], excluded: Callable[[Path], bool] | None = None, *, force_exclude: bool = False
) -> Iterator[Path]:
    """Every file to lint under `paths`, each once, in a stable order.

    Folders are searched minus what `excluded` says; a file named explicitly is
    kept unless `force_exclude` (as ruff's `--force-exclude`).
    """
    excluded = excluded or _in_skipped_dir
    seen: set[Path] = set()
    folders: dict[Path, Path] = {}  # folder -> resolved, each resolved once

    def resolved(file: Path) -> Path:
        if file.is_symlink():
            return file.resolve()
        if file.parent not in folders:
            folders[file.parent] = file.parent.resolve()
        return folders[file.parent] / file.name

    for path in paths:
        candidates: Iterable[Path]
        if path.is_file():
            candidates = [] if force_exclude and excluded(path) else [path]
        else:
            candidates = _walk(path, excluded)
        for candidate in candidates:
            key = resolved(candidate)
            if key not in seen:
                seen.add(key)
                yield candidate


def _in_skipped_dir(path: Path) -> bool:
    return path.name in SKIPPED_DIRS


def _walk(root: Path, excluded: Callable[[Path], bool]) -> Iterator[Path]:
    try:
        with os.scandir(root) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:  # not a folder, or gone
        return
    for entry in entries:
        folder = entry.is_dir(follow_symlinks=False)
        if not folder and os.path.splitext(entry.name)[1] not in (".py", ".pyi"):
            continue  # most entries of a tree: no Path is made for them
        path = root / entry.name
        if excluded(path):
            continue
        if folder:
            if not os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                yield from _walk(path, excluded)
        elif entry.is_file() or entry.is_symlink():  # a dangling link is reported, not skipped
            yield path


def module_name(path: Path) -> tuple[str, bool]:
    """The dotted name a file is imported by, and whether it is a package.

    Climbs the chain of folders that hold an `__init__.py`, as Python's import
    system does from the folder that holds `manage.py` (or a src/ layout).
    Each folder is looked at once (`forget_folders()` starts afresh).
    """
    path = path.resolve()
    is_package = path.stem == "__init__"
    parts = [*_package_parts(path.parent), *([] if is_package else [path.stem])]
    return ".".join(parts) or path.stem, is_package


@cache
def _package_parts(folder: Path) -> tuple[str, ...]:
    """The package names down to `folder`, when it is a package; else nothing."""
    if (folder / "__init__.py").exists() and folder.parent != folder:
        return (*_package_parts(folder.parent), folder.name)
    return ()


def forget_folders() -> None:
    """Forgets which folders are packages (a long-lived session's files may have changed)."""
    _package_parts.cache_clear()
