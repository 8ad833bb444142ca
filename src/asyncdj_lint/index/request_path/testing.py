"""Which settings module the project's tests run under, and which modules are test code.

pytest-django reads `DJANGO_SETTINGS_MODULE` (or `--ds` in `addopts`) from
pyproject.toml's `[tool.pytest.ini_options]`, pytest.ini's `[pytest]`,
tox.ini's `[pytest]` or setup.cfg's `[tool:pytest]` (pytest-env's `env` too); Django's own runner is
told with `manage.py test --settings=...`, found in a Makefile, a shell
script, tox.ini or a CI workflow.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterator
from pathlib import Path

import tomllib

_DS_OPTION = re.compile(r"--ds[= ]\s*([\w.]+)")
_ENV_LINE = re.compile(r"(?:[DR]:)?DJANGO_SETTINGS_MODULE\s*=\s*([\w.]+)")
_MANAGE_ANY_TEST = re.compile(r"manage\.py\s+test\b")
_MANAGE_TEST = re.compile(r"manage\.py\s+test\b.*?--settings[= ]\s*([\w.]+)")
_INI_FILES = (("pytest.ini", "pytest"), ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest"))
_SCRIPT_GLOBS = ("Makefile", "*.sh", "tox.ini", ".github/workflows/*.yml", ".github/workflows/*.yaml")


def test_settings_module(root: Path) -> str | None:
    """The settings module the tests run under, as the project configures it; None when not configured."""
    return next(_configured(root), None)


def _configured(root: Path) -> Iterator[str]:
    yield from _pytest_configured(root)
    for pattern in _SCRIPT_GLOBS:
        for path in sorted(root.glob(pattern)):
            match = _MANAGE_TEST.search(_read(path))
            if match is not None:
                yield match.group(1)


def test_runner(root: Path) -> str | None:
    """How the tests are started: "pytest" when pytest-django is configured, "manage-test" when a
    script, Makefile or CI file runs `manage.py test`; None when neither or both."""
    pytest = any(True for _ in _pytest_configured(root))
    manage = any(
        _MANAGE_ANY_TEST.search(_read(path)) is not None
        for pattern in (*_SCRIPT_GLOBS, ".gitlab-ci.yml")
        for path in sorted(root.glob(pattern))
    )
    return None if pytest == manage else "pytest" if pytest else "manage-test"


def _pytest_configured(root: Path) -> Iterator[str]:
    pytest_options = _pyproject_options(root / "pyproject.toml")
    if pytest_options is not None:
        yield from _from_options(pytest_options)
    for name, section in _INI_FILES:
        options = _ini_options(root / name, section)
        if options is not None:
            yield from _from_options(options)


def _from_options(options: dict[str, object]) -> Iterator[str]:
    """`--ds` in addopts wins over the DJANGO_SETTINGS_MODULE key, as pytest-django reads them."""
    addopts = options.get("addopts")
    text = " ".join(addopts) if isinstance(addopts, list) else addopts if isinstance(addopts, str) else ""
    if (match := _DS_OPTION.search(text)) is not None:
        yield match.group(1)
    value = options.get("DJANGO_SETTINGS_MODULE")
    if isinstance(value, str) and value.strip():
        yield value.strip()
    # pytest-env: `env = ["DJANGO_SETTINGS_MODULE=..."]` (a list in TOML, lines in an ini file)
    env = options.get("env")
    lines = env if isinstance(env, list) else env.splitlines() if isinstance(env, str) else []
    for line in lines:
        if isinstance(line, str) and (match := _ENV_LINE.match(line.strip())) is not None:
            yield match.group(1)


def _pyproject_options(path: Path) -> dict[str, object] | None:
    try:
        data = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError:
        return None
    options = data.get("tool", {}).get("pytest", {}).get("ini_options")
    return options if isinstance(options, dict) else None


def _ini_options(path: Path, section: str) -> dict[str, object] | None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    try:
        parser.read_string(_read(path))
    except configparser.Error:
        return None
    return dict(parser[section]) if parser.has_section(section) else None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    except OSError:
        return ""


def is_test_module(module: str) -> bool:
    """`test_*.py`, `*_tests.py`, `conftest.py` and any module in a `tests/` package."""
    parts = module.split(".")
    last = parts[-1]
    return (
        last.startswith("test_")
        or last.endswith("_tests")
        or last == "conftest"
        or "tests" in parts[:-1]
        or last == "tests"
    )


# `os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")` or `os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"`,
# at the start of a line (not in a comment); Django allows sync ORM use on the loop for any
# non-empty value.
_ALLOW_UNSAFE_SET = re.compile(
    r"""^[ \t]*os\.environ(?:\.setdefault\(\s*|\[\s*)(['"])DJANGO_ALLOW_ASYNC_UNSAFE\1\s*(?:,|\]\s*=)\s*"""
    r"""(?!(['"])\2)\S""",
    re.MULTILINE,
)
_ALLOW_UNSAFE_ENV = re.compile(r"(?:[DR]:)?DJANGO_ALLOW_ASYNC_UNSAFE\s*=\s*\S")
ALLOW_UNSAFE_ENV = "DJANGO_ALLOW_ASYNC_UNSAFE"


def sets_async_unsafe(source: str) -> bool:
    """Whether Python source sets `DJANGO_ALLOW_ASYNC_UNSAFE` in `os.environ` to a non-empty value."""
    return async_unsafe_line(source) is not None


def async_unsafe_line(source: str) -> int | None:
    """The line (from 1) where Python source sets `DJANGO_ALLOW_ASYNC_UNSAFE` in `os.environ`, if it does."""
    found = _ALLOW_UNSAFE_SET.search(source) if ALLOW_UNSAFE_ENV in source else None
    return None if found is None else source.count("\n", 0, found.start()) + 1


class AsyncUnsafeTests:
    """Which test files run with `DJANGO_ALLOW_ASYNC_UNSAFE` set, so Django runs sync ORM calls
    made on the event loop instead of raising SynchronousOnlyOperation.

    It is set for a test file by a `conftest.py` in the file's folder or a folder above it (up
    to the project root), by pytest-env's `env` option, or by the test settings module (both
    govern every test file).
    """

    def __init__(self, root: Path | None, settings_source: str = "") -> None:
        self.root = root.resolve() if root is not None else None
        self._everywhere = (root is not None and _pytest_env_sets(root)) or sets_async_unsafe(settings_source)
        self._folders: dict[Path, bool] = {}

    def governs(self, path: Path, module: str) -> bool:
        """Whether the test file at `path` (dotted name `module`) runs with the variable set."""
        if not is_test_module(module):
            return False
        if self._everywhere:
            return True
        return self._folder_sets(path.resolve().parent)

    def _folder_sets(self, folder: Path) -> bool:
        if folder not in self._folders:
            found = sets_async_unsafe(_read(folder / "conftest.py"))
            if not found and folder != self.root and folder.parent != folder:
                found = (self.root is None or folder.is_relative_to(self.root)) and self._folder_sets(
                    folder.parent
                )
            self._folders[folder] = found
        return self._folders[folder]


def _pytest_env_sets(root: Path) -> bool:
    options = [_pyproject_options(root / "pyproject.toml")]
    options += [_ini_options(root / name, section) for name, section in _INI_FILES]
    for found in options:
        env = found.get("env") if found is not None else None
        lines = env if isinstance(env, list) else env.splitlines() if isinstance(env, str) else []
        if any(isinstance(line, str) and _ALLOW_UNSAFE_ENV.match(line.strip()) for line in lines):
            return True
    # pytest-env's own table: `[tool.pytest_env] DJANGO_ALLOW_ASYNC_UNSAFE = "true"`
    try:
        table = tomllib.loads(_read(root / "pyproject.toml")).get("tool", {}).get("pytest_env")
    except tomllib.TOMLDecodeError:
        return False
    value = table.get(ALLOW_UNSAFE_ENV) if isinstance(table, dict) else None
    return bool(value.get("value") if isinstance(value, dict) else value)
