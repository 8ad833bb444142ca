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
_MANAGE_TEST = re.compile(r"manage\.py\s+test\b.*?--settings[= ]\s*([\w.]+)")
_INI_FILES = (("pytest.ini", "pytest"), ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest"))
_SCRIPT_GLOBS = ("Makefile", "*.sh", "tox.ini", ".github/workflows/*.yml", ".github/workflows/*.yaml")


def test_settings_module(root: Path) -> str | None:
    """The settings module the tests run under, as the project configures it; None when not configured."""
    return next(_configured(root), None)


def _configured(root: Path) -> Iterator[str]:
    pytest_options = _pyproject_options(root / "pyproject.toml")
    if pytest_options is not None:
        yield from _from_options(pytest_options)
    for name, section in _INI_FILES:
        options = _ini_options(root / name, section)
        if options is not None:
            yield from _from_options(options)
    for pattern in _SCRIPT_GLOBS:
        for path in sorted(root.glob(pattern)):
            match = _MANAGE_TEST.search(_read(path))
            if match is not None:
                yield match.group(1)


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
