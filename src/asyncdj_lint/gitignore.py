"""Files git ignores, read from the ignore files without running git (`respect-gitignore`).

The rules are git's (gitignore(5)): patterns come from `core.excludesFile`
(by default `$XDG_CONFIG_HOME/git/ignore`), the repository's
`.git/info/exclude` and every `.gitignore` from the repository's top folder
down to the file's own folder. A `.gitignore` deeper in the tree overrides
one above it, which overrides `info/exclude`, which overrides the global file;
within one file the last matching pattern wins, so `!pattern` re-includes. A
file inside an ignored folder is ignored whatever its own patterns say, as git
cannot re-include it either. Patterns are matched by `pathspec`'s
implementation of git's wildmatch (anchoring, `**`, directory-only patterns
with a trailing slash, negation, escapes).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pathspec


class GitIgnore:
    """Answers `ignored(path)` for paths in any git repository; outside one nothing is ignored."""

    def __init__(self) -> None:
        self._global = _global_spec()

    def ignored(self, path: Path) -> bool:
        absolute = Path(os.path.abspath(path))
        top = _repository_top(absolute.parent)
        if top is None or absolute == top:
            return False
        return self._ignored(top, absolute.relative_to(top).parts, absolute.is_dir())

    @lru_cache(maxsize=65536)  # noqa: B019 - one instance per run; folders are asked about once per file
    def _ignored(self, top: Path, parts: tuple[str, ...], is_dir: bool) -> bool:
        if parts[0] == ".git":
            return True
        if len(parts) > 1 and self._ignored(top, parts[:-1], True):
            return True
        relative = "/".join(parts) + ("/" if is_dir else "")
        # the deepest .gitignore first: the first one with a matching pattern decides
        for depth in range(len(parts) - 1, -1, -1):
            spec = _spec(top.joinpath(*parts[:depth], ".gitignore"))
            if spec is not None:
                inside = "/".join(parts[depth:]) + ("/" if is_dir else "")
                decided = spec.check_file(inside).include
                if decided is not None:
                    return decided
        for spec in (_spec(_git_dir(top) / "info" / "exclude"), self._global):
            if spec is not None:
                decided = spec.check_file(relative).include
                if decided is not None:
                    return decided
        return False


@lru_cache(maxsize=4096)
def _repository_top(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` that holds `.git` (a folder, or a worktree's file)."""
    if (folder / ".git").exists():
        return folder
    return None if folder.parent == folder else _repository_top(folder.parent)


def _git_dir(top: Path) -> Path:
    dot_git = top / ".git"
    if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
        try:
            text = dot_git.read_text(encoding="utf-8").strip()
        except OSError:
            return dot_git
        if text.startswith("gitdir:"):
            return (top / text.removeprefix("gitdir:").strip()).resolve()
    return dot_git


@lru_cache(maxsize=4096)
def _spec(file: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _global_spec() -> pathspec.GitIgnoreSpec | None:
    """`core.excludesFile` from the user's git configuration, else git's default global ignore file."""
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    configured = None
    for config in (xdg / "git" / "config", Path.home() / ".gitconfig"):
        configured = _excludes_file(config) or configured
    if configured is None:
        return _spec(xdg / "git" / "ignore")
    return _spec(Path(os.path.expanduser(configured)))


def _excludes_file(config: Path) -> str | None:
    """The last `excludesfile` of the `[core]` section of a git config file (keys are case-insensitive)."""
    try:
        lines = config.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    section, found = "", None
    for raw in lines:
        line = raw.strip()
        if line.startswith("["):
            section = line[1:].split("]", 1)[0].strip().lower()
            continue
        key, equals, value = line.partition("=")
        if section == "core" and equals and key.strip().lower() == "excludesfile":
            found = value.split(" #", 1)[0].split(" ;", 1)[0].strip().strip('"')
    return found
