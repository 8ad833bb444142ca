"""Which files to lint, and the module name each one has in its project."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
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
    for path in paths:
        candidates: Iterable[Path]
        if path.is_file():
            candidates = [] if force_exclude and excluded(path) else [path]
        else:
            candidates = _walk(path, excluded)
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                yield candidate


def _in_skipped_dir(path: Path) -> bool:
    return path.name in SKIPPED_DIRS


def _walk(root: Path, excluded: Callable[[Path], bool]) -> Iterator[Path]:
    if not root.is_dir():
        return
    entries = sorted(root.iterdir(), key=lambda p: p.name)
    for entry in entries:
        if excluded(entry):
            continue
        if entry.is_dir() and not entry.is_symlink():
            if not (entry / "pyvenv.cfg").exists():
                yield from _walk(entry, excluded)
        elif entry.suffix in (".py", ".pyi") and entry.is_file():
            yield entry


def module_name(path: Path) -> tuple[str, bool]:
    """The dotted name a file is imported by, and whether it is a package.

    Climbs the chain of folders that hold an `__init__.py`, as Python's import
    system does from the folder that holds `manage.py` (or a src/ layout).
    """
    path = path.resolve()
    is_package = path.stem == "__init__"
    parts = [] if is_package else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts) or path.stem, is_package
