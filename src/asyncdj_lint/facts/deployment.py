"""How the project is served, read from its deployment files: ASGI, WSGI, or no evidence.

Django serves ASGI only when an ASGI server runs the project: every project
since Django 3.0 has a startproject `asgi.py`, so that file alone says
nothing. The evidence is the command that starts a server, in a Procfile, a
Dockerfile's CMD/ENTRYPOINT, a docker-compose `command:`, a shell script or
Makefile, a supervisord or platform config, and a gunicorn config's
`worker_class`. Each piece of evidence keeps where it was read (file:line).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Folders that hold no deployment files of the project's own.
_SKIPPED_DIRS = frozenset(
    {"node_modules", "site-packages", "venv", "env", "__pycache__", "static", "media", "migrations"}
)
_MAX_DEPTH = 3  # folders below the root searched for deployment files
_MAX_BYTES = 256 * 1024
_MAX_TEXT = 80  # characters of a command kept to name it

_INSTALL = re.compile(r"\b(pip3?|poetry|uv|pipenv|apt-get|apk|npm)\b.*\b(install|add|sync)\b")
_ASGI_SERVER = re.compile(r"(?:^|[\s\"'/=\[,:])(uvicorn|daphne|hypercorn)(?:[\s\"',\]]|$)")
_UVICORN_WORKER = re.compile(r"uvicorn(?:_worker)?\.(?:workers\.)?Uvicorn\w*Worker")
_GRANIAN = re.compile(r"(?:^|[\s\"'/=\[,])granian(?:[\s\"',\]]|$)")
_GRANIAN_INTERFACE = re.compile(r"--interface[\s=\"',]+(asgi|asginl|wsgi|rsgi)")
_WSGI_SERVER = re.compile(
    r"(?:^|[\s\"'/=\[,:])(gunicorn|uwsgi|waitress-serve|mod_wsgi-express)(?:[\s\"',\]]|$)"
)
_WORKER_CLASS = re.compile(r"^\s*worker_class\s*=\s*[\"']([^\"']+)[\"']")


@dataclass(frozen=True)
class Evidence:
    """One thing that says how the project is served."""

    asgi: bool
    where: str  # "Procfile:1", a path relative to the project root
    what: str  # the command or setting, as written (shortened)

    def __str__(self) -> str:
        return f"`{self.what}` at {self.where}"


def classify(command: str) -> bool | None:
    """True for a command that starts an ASGI server, False for a WSGI server, None for anything else."""
    if _INSTALL.search(command):
        return None
    if _ASGI_SERVER.search(command) or _UVICORN_WORKER.search(command):
        return True
    if _GRANIAN.search(command):
        interface = _GRANIAN_INTERFACE.search(command)
        return None if interface is None else interface.group(1).startswith("asgi")
    if _WSGI_SERVER.search(command):
        return False
    return None


def deployment_evidence(root: Path) -> tuple[Evidence, ...]:
    """Every server command found in the project's deployment files, in path order."""
    found: list[Evidence] = []
    for path in sorted(deployment_files(root)):
        text = small_file_text(path)
        if text is None:
            continue
        where = path.relative_to(root).as_posix()
        for line, command in _commands(path.name, text):
            kind = _worker_class(command) if _is_gunicorn_config(path.name) else classify(command)
            if kind is not None:
                found.append(Evidence(kind, f"{where}:{line}", _shortened(command)))
    return tuple(found)


def small_file_text(path: Path) -> str | None:
    """A configuration file's text; None when it cannot be read or is too large to be one."""
    try:
        if path.stat().st_size > _MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def deployment_files(root: Path) -> Iterator[Path]:
    """The files under `root` (a few folders deep) that can start a server."""
    return project_files(root, _is_deployment_file)


def project_files(root: Path, wanted: Callable[[str], bool]) -> Iterator[Path]:
    """The files under `root` (a few folders deep, outside dependencies and assets) whose name `wanted` accepts."""
    base_depth = len(root.parts)
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".") and d not in _SKIPPED_DIRS and len(here.parts) - base_depth < _MAX_DEPTH
        ]
        for name in files:
            if wanted(name):
                yield here / name


def _is_deployment_file(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered.startswith(("procfile", "dockerfile", "containerfile", "docker-compose", "compose."))
        or lowered.endswith((".dockerfile", ".sh"))
        or lowered in ("makefile", "fly.toml", "render.yaml", "app.yaml", "supervisord.conf")
        or _is_gunicorn_config(name)
    )


def _is_gunicorn_config(name: str) -> bool:
    return name.lower().startswith("gunicorn") and name.endswith(".py")


def _commands(name: str, text: str) -> Iterator[tuple[int, str]]:
    """(line, command) for the lines of a deployment file that can start a server."""
    lowered = name.lower()
    docker = lowered.startswith(("dockerfile", "containerfile")) or lowered.endswith(".dockerfile")
    compose = lowered.startswith(("docker-compose", "compose."))
    block_indent: int | None = None  # indentation of the `command:` key whose block is being read
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if docker:
            if line.split(maxsplit=1)[0].upper() in ("CMD", "ENTRYPOINT"):
                yield number, line
        elif compose:
            indent = len(raw) - len(raw.lstrip())
            if block_indent is not None and indent > block_indent:
                yield number, line  # a list item or a folded (`>`) / literal (`|`) line of the command
                continue
            block_indent = None
            key = re.match(r"-?\s*(command|entrypoint)\s*:\s*(.*)", line)
            if key is not None:
                value = key.group(2)
                if value and value.rstrip("-+") not in (">", "|"):
                    yield number, line
                else:
                    block_indent = indent
        else:
            yield number, line


def _worker_class(line: str) -> bool | None:
    """`worker_class = "uvicorn.workers.UvicornWorker"` in a gunicorn config."""
    match = _WORKER_CLASS.match(line)
    return True if match is not None and "uvicorn" in match.group(1).lower() else None


def _shortened(command: str) -> str:
    text = " ".join(command.split()).replace("`", "'")
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."
