"""The Django version a project targets, read from its packaging files.

The lowest version a requirement admits decides which async APIs the code
may use: a project declaring `Django>=4.2,<5.0` must run on 4.2, so advice
naming 5.0's `request.auser()` would break it. Declared requirements win
over lock files for the same reason: a lock records one install, the
declaration what the code promises to support. Nothing found: the newest
LTS release.
"""

from __future__ import annotations

import configparser
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

Version = tuple[int, int]

NEWEST_LTS: Version = (5, 2)
# Feature releases, oldest first: a requirement with no lower bound targets
# the newest one it admits (what an install would pick).
KNOWN_RELEASES: tuple[Version, ...] = (
    (3, 2), (4, 0), (4, 1), (4, 2), (5, 0), (5, 1), (5, 2), (6, 0), (6, 1),
)  # fmt: skip

# Files whose presence marks a project's root folder.
_ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "manage.py", ".git")

_REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)")
_CLAUSE = re.compile(r"^\s*(?P<op>===|==|!=|~=|>=|<=|>|<|\^|~)?\s*(?P<version>[0-9][0-9a-zA-Z.*+!-]*)\s*$")


def parse_version(text: str) -> Version | None:
    """ "5.2" / "5.2.1" / "5" -> (5, 2) / (5, 2) / (5, 0); None when not a version."""
    if len(text) > _LONGEST_VERSION:  # the pattern backtracks on long digit runs
        return None
    match = re.fullmatch(r"\s*(\d+)(?:\.(\d+))?(?:[.\w*+!-]*)\s*", text)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


_LONGEST_VERSION = 64


def lowest_admitted(specifier: str) -> Version | None:
    """The oldest feature release a version specifier admits, or None if it says nothing.

    PEP 440 (`>=4.2,<5.0`, `==5.1.*`, `~=4.2.0`) and Poetry (`^4.2`, `~4.2`)
    forms. Upper bounds matter only when there is no lower bound.
    """
    lower: Version | None = None
    uppers: list[tuple[str, Version]] = []
    for clause in specifier.split(","):
        if not clause.strip() or clause.strip() == "*":
            continue
        match = _CLAUSE.match(clause)
        if match is None:
            return None
        op, version = match.group("op") or "==", parse_version(match.group("version"))
        if version is None:
            return None
        if op in ("<", "<="):
            uppers.append((op, version))
        elif op != "!=":
            lower = version if lower is None else max(lower, version)
    if lower is not None:
        return lower
    return _newest_below(uppers) if uppers else None


def _newest_below(uppers: list[tuple[str, Version]]) -> Version | None:
    admitted = [
        release
        for release in KNOWN_RELEASES
        if all(release < bound if op == "<" else release <= bound for op, bound in uppers)
    ]
    return admitted[-1] if admitted else None


def same_package(name: str, other: str) -> bool:
    """Whether two distribution names are one package (PEP 503: case, `-`, `_` and `.` do not matter)."""
    return _normalized(name) == _normalized(other)


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _specifier(line: str, package: str) -> str | None:
    """The version specifier of a requirement line naming `package` ("" for any version), else None."""
    match = _REQUIREMENT.match(line)
    if match is None or not same_package(match.group("name"), package):
        return None
    return match.group("spec")


def _first(versions: Iterable[Version | None]) -> Version | None:
    return next((v for v in versions if v is not None), None)


# -- one reader per kind of file: the specifiers it gives `package`, in order -------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _from_pyproject(root: Path, package: str, runtime: bool) -> Iterator[str | None]:
    data = _read_toml(root / "pyproject.toml")
    project = _table(data, "project")
    declared = [*_list(project, "dependencies")]
    for extra in () if runtime else _table(project, "optional-dependencies").values():
        declared.extend(extra if isinstance(extra, list) else [])
    yield from (_specifier(item, package) for item in declared if isinstance(item, str))
    poetry = _table(_table(data, "tool"), "poetry")
    tables = [_table(poetry, "dependencies")]
    tables += [] if runtime else [_table(group, "dependencies") for group in _table(poetry, "group").values()]
    yield from (_from_dependency_table(table, package) for table in tables)


def _table(data: object, key: str) -> dict[str, object]:
    """`data[key]` when both are TOML tables, else an empty one: a malformed file says nothing."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _list(data: dict[str, object], key: str) -> list[object]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def _from_dependency_table(table: dict[str, object], package: str) -> str | None:
    """Poetry's and Pipfile's `django = "^4.2"` or `django = {version = ">=4.2"}`."""
    for name, value in table.items():
        if not same_package(name, package):
            continue
        spec = value.get("version", "") if isinstance(value, dict) else value
        return spec if isinstance(spec, str) else ""
    return None


def _from_pipfile(root: Path, package: str, runtime: bool) -> Iterator[str | None]:
    data = _read_toml(root / "Pipfile")
    for section in ("packages",) if runtime else ("packages", "dev-packages"):
        yield _from_dependency_table(_table(data, section), package)


def _requirement_lines(path: Path, seen: set[Path]) -> Iterator[str]:
    """The requirement lines of a requirements file, following `-r` includes."""
    path = path.resolve()
    if path in seen or not path.is_file():
        return
    seen.add(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    for raw in text.replace("\\\n", " ").splitlines():
        # Drop comments and per-requirement options (`--hash=...`).
        line = raw.split(" #", 1)[0].split(" --", 1)[0].strip()
        include = re.match(r"^(?:-r|--requirement)(?:\s+|=)(\S+)", line)
        if include:
            yield from _requirement_lines(path.parent / include.group(1), seen)
        elif line and not line.startswith(("#", "-")):
            yield line


def _requirements_files(root: Path) -> list[Path]:
    files = sorted(root.glob("requirements*.txt"), key=lambda p: (p.name != "requirements.txt", p.name))
    return files + sorted((root / "requirements").glob("*.txt"))


def _from_requirements(root: Path, package: str, runtime: bool) -> Iterator[str | None]:
    seen: set[Path] = set()
    for path in _requirements_files(root):
        if runtime and _DEVELOPMENT.search(path.stem.removeprefix("requirements")):
            continue
        yield from (_specifier(line, package) for line in _requirement_lines(path, seen))


def _from_setup_cfg(root: Path, package: str, runtime: bool) -> Iterator[str | None]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(root / "setup.cfg", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return
    requires = parser.get("options", "install_requires", fallback="")
    yield from (_specifier(line, package) for line in requires.splitlines())


def _from_setup_py(root: Path, package: str, runtime: bool) -> Iterator[str | None]:
    try:
        text = (root / "setup.py").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    # A quoted requirement: the name, then a version clause (`"Django>=4.2"`) or the closing quote.
    name = r"[-_.]+".join(re.escape(part) for part in re.split(r"[-_.]+", package))
    quoted = re.compile(rf"""["']\s*({name}\s*(?:\[[^\]]*\])?\s*(?:[<>=!~^][^"']*)?)["']""", re.IGNORECASE)
    yield from (_specifier(match.group(1), package) for match in quoted.finditer(text))


def _from_lock(root: Path, package: str, runtime: bool) -> Iterator[str | None]:
    """uv.lock and poetry.lock: `[[package]]` tables with the installed version (development
    packages among them: none is read as a runtime dependency)."""
    for name in () if runtime else ("uv.lock", "poetry.lock"):
        for entry in _list(_read_toml(root / name), "package"):
            if isinstance(entry, dict) and same_package(str(entry.get("name", "")), package):
                yield f"=={entry.get('version', '')}"


# A requirements file for development, not for running the code: requirements-dev.txt,
# requirements/test.txt...
_DEVELOPMENT = re.compile(r"dev|test|lint|docs?\b|ci\b|local|typ|mypy|check", re.IGNORECASE)

_SOURCES: tuple[Callable[[Path, str, bool], Iterator[str | None]], ...] = (
    _from_pyproject,
    _from_requirements,
    _from_setup_cfg,
    _from_setup_py,
    _from_pipfile,
    _from_lock,
)


def declared_specifiers(root: Path, package: str, *, runtime: bool = False) -> Iterator[str]:
    """The version specifiers the packaging and lock files of the project in `root` give
    `package`, declarations first ("" where one names it with no version). `runtime`: only
    those that install it where the code runs, not as an extra or for development."""
    for source in _SOURCES:
        yield from (spec for spec in source(root, package, runtime) if spec is not None)


def depends_on(root: Path, package: str) -> bool:
    """Whether the project in `root` installs `package` to run, by its packaging files: its
    dependencies, not its extras, development groups or requirements, or lock files."""
    return next(declared_specifiers(root, package, runtime=True), None) is not None


def detect_target_django(root: Path) -> Version:
    """The Django version the project in `root` targets; the newest LTS when unknown."""
    return declared_django(root) or NEWEST_LTS


def declared_django(root: Path) -> Version | None:
    """The lowest Django version the project in `root` declares; None when it declares none."""
    return _first(lowest_admitted(spec) for spec in declared_specifiers(root, "django"))


def project_root(paths: Sequence[Path]) -> Path:
    """The nearest folder at or above the linted paths that marks a project's root.

    Falls back to the folder the paths share when no marker is found.
    """
    return marked_root(paths) or _shared_folder(paths)


def marked_root(paths: Sequence[Path]) -> Path | None:
    """The nearest folder at or above the linted paths that holds a root marker, if any."""
    start = _shared_folder(paths)
    return next((folder for folder in (start, *start.parents) if _is_root(folder)), None)


def git_only_root(root: Path, paths: Sequence[Path]) -> bool:
    """Whether `root` was chosen only for its `.git`, for paths in a folder below it."""
    markers = [marker for marker in _ROOT_MARKERS if (root / marker).exists()]
    return markers == [".git"] and not any(root.glob("requirements*.txt")) and _shared_folder(paths) != root


def _shared_folder(paths: Sequence[Path]) -> Path:
    resolved = [path.resolve() for path in paths] or [Path.cwd().resolve()]
    return Path(*_common_parts([p if p.is_dir() else p.parent for p in resolved]))


def _common_parts(folders: list[Path]) -> tuple[str, ...]:
    parts = folders[0].parts
    for folder in folders[1:]:
        common = 0
        while common < min(len(parts), len(folder.parts)) and parts[common] == folder.parts[common]:
            common += 1
        parts = parts[:common]
    return parts


def _is_root(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in _ROOT_MARKERS) or any(
        folder.glob("requirements*.txt")
    )


def format_version(version: Version) -> str:
    return f"{version[0]}.{version[1]}"
