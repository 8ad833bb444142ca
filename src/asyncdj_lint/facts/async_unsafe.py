"""Where a project's environment files set `DJANGO_ALLOW_ASYNC_UNSAFE` for the application.

Django's guard (`async_unsafe`) raises SynchronousOnlyOperation for a query made
on the event loop unless `DJANGO_ALLOW_ASYNC_UNSAFE` is set to any non-empty
value (even "false"); with it set, the query runs there and blocks the loop.
The variable reaches the process from a `.env` file (django-environ,
python-dotenv, compose's `env_file`), a docker-compose service's
`environment:`, or a Dockerfile's `ENV`. Files named for tests or as
examples (`.env.test`, `.env.example`, `docker-compose.test.yml`) are not the
application's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from asyncdj_lint.facts.deployment import project_files, small_file_text

VARIABLE = "DJANGO_ALLOW_ASYNC_UNSAFE"

_NOT_THE_APP = ("test", "example", "sample", "template", "dist")
_EMPTY = r"""(?!["']{2}(?:\s|$))"""  # `X=""` sets nothing
# `.env`: `DJANGO_ALLOW_ASYNC_UNSAFE=true`, also after `export`.
_DOTENV = re.compile(rf"^\s*(?:export\s+)?{VARIABLE}\s*=\s*{_EMPTY}[^\s#]")
# docker-compose `environment:` as a list (`- DJANGO_ALLOW_ASYNC_UNSAFE=true`) or a mapping.
_COMPOSE = re.compile(
    rf"""^\s*(?:-\s*["']?{VARIABLE}\s*=\s*{_EMPTY}[^\s"'#]|["']?{VARIABLE}["']?\s*:\s*{_EMPTY}[^\s#])"""
)
# Dockerfile `ENV DJANGO_ALLOW_ASYNC_UNSAFE=1` or `ENV DJANGO_ALLOW_ASYNC_UNSAFE 1`.
_DOCKER_ENV = re.compile(rf"^\s*ENV\s+(?:.*\s)?{VARIABLE}(?:\s*=\s*|\s+){_EMPTY}\S", re.IGNORECASE)


def environment_sets_async_unsafe(root: Path) -> str | None:
    """`path:line` (relative to `root`) of the first environment file that sets the variable."""
    for path in sorted(environment_files(root)):
        text = small_file_text(path)
        if text is None or VARIABLE not in text:
            continue
        pattern = _pattern(path.name)
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.match(line):
                return f"{path.relative_to(root).as_posix()}:{number}"
    return None


def environment_files(root: Path) -> Iterator[Path]:
    """The `.env`, docker-compose and Dockerfile files under `root` (a few folders deep)."""
    return project_files(root, _is_environment_file)


def _is_environment_file(name: str) -> bool:
    lowered = name.lower()
    return _kind(lowered) is not None and not any(word in lowered for word in _NOT_THE_APP)


def _kind(lowered: str) -> str | None:
    if lowered == ".env" or lowered.startswith(".env.") or lowered.endswith(".env"):
        return "dotenv"
    if lowered.startswith(("docker-compose", "compose.")) and lowered.endswith((".yml", ".yaml")):
        return "compose"
    if lowered.startswith(("dockerfile", "containerfile")) or lowered.endswith(".dockerfile"):
        return "docker"
    return None


def _pattern(name: str) -> re.Pattern[str]:
    kind = _kind(name.lower())
    return _DOTENV if kind == "dotenv" else _COMPOSE if kind == "compose" else _DOCKER_ENV
