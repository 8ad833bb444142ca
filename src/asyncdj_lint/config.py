"""`[tool.asyncdj-lint]` in pyproject.toml, checked key by key and merged with the command line.

Each key has a parser that turns its TOML value into the `Settings` field of
the same name (dashes become underscores) or says, in a `ConfigError` naming
the key, why it cannot. `to_options` maps settings onto `LintOptions`: a new
key needs a parser in `_PARSERS`, a `Settings` field, and a line there (and,
for a command-line flag, an `Overrides` field and a line in `with_overrides`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from asyncdj_lint.facts.django_version import (
    KNOWN_RELEASES,
    detect_target_django,
    format_version,
    parse_version,
    project_root,
)
from asyncdj_lint.options import DEFAULT_EXCLUDE, LintOptions, RuleSelection
from asyncdj_lint.rules import all_rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

SECTION = "asyncdj-lint"
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


class ConfigError(Exception):
    """A configuration value that cannot be used; the message names the key and the file."""


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of one run."""

    config_file: Path | None = None
    root: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    target_django: tuple[int, int] | None = None
    settings_module: str | None = None
    blocking_calls: tuple[str, ...] = ()
    respect_gitignore: bool = True
    # Codes or prefixes whose fixes may be applied (empty: all), and those whose may not.
    fixable: tuple[str, ...] = ()
    unfixable: tuple[str, ...] = ()
    # Command-line only.
    force_exclude: bool = False
    cache: bool = True
    # False once `--target-django` replaced the file's `target-django`: a version asked for
    # on the command line is not one the project declares (ADJ515 reports only declared ones).
    target_django_declared: bool = True

    @property
    def excluded_patterns(self) -> tuple[str, ...]:
        return self.exclude + self.extend_exclude


# -- parsing one value ---------------------------------------------------------


def _string_list(key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"`{key}` must be a list of strings, not {value!r}")
    return tuple(value)


def _codes(key: str, value: object) -> tuple[str, ...]:
    codes = tuple(code.strip().upper() for code in _string_list(key, value))
    check_codes(key, codes)
    return codes


def check_codes(key: str, codes: Sequence[str]) -> None:
    unknown = [
        code or '""'
        for code in codes
        if not code or not any(rule.code.startswith(code) for rule in all_rules())
    ]
    if unknown:
        raise ConfigError(f"`{key}`: unknown rule code or prefix: {', '.join(unknown)}")


def _per_file_ignores(key: str, value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f'`{key}` must be a table of glob = ["CODE", ...], not {value!r}')
    return tuple((glob, _codes(f"{key}.{glob}", codes)) for glob, codes in value.items())


def _version(key: str, value: object) -> tuple[int, int]:
    version = parse_version(value) if isinstance(value, str) else None
    if version is None:
        raise ConfigError(f'`{key}` must be a Django version as "MAJOR.MINOR" (e.g. "5.2"), not {value!r}')
    problem = unknown_django(version)
    if problem:
        raise ConfigError(f"`{key}`: {problem}")
    return version


def unknown_django(version: tuple[int, int]) -> str | None:
    """Why `version` cannot be a target (a Django major that does not exist), or None."""
    first, last = KNOWN_RELEASES[0], KNOWN_RELEASES[-1]
    if first[0] <= version[0] <= last[0]:
        return None
    return f"no Django {format_version(version)}: known releases run from {format_version(first)} to {format_version(last)}"


def _dotted(key: str, value: object) -> str:
    if not isinstance(value, str) or not _DOTTED.match(value):
        raise ConfigError(f'`{key}` must be a dotted module name (e.g. "mysite.settings"), not {value!r}')
    return value


def _bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"`{key}` must be true or false, not {value!r}")
    return value


def _qualified_names(key: str, value: object) -> tuple[str, ...]:
    names = _string_list(key, value)
    for name in names:
        _dotted(key, name)
    return names


# Each key's parser, applied to the settings read so far: `settings, key, value -> settings`.
_Parser = Callable[[Settings, str, object], Settings]
_PARSERS: dict[str, _Parser] = {
    "select": lambda settings, key, value: replace(settings, select=_codes(key, value)),
    "ignore": lambda settings, key, value: replace(settings, ignore=_codes(key, value)),
    "extend-select": lambda settings, key, value: replace(settings, extend_select=_codes(key, value)),
    "exclude": lambda settings, key, value: replace(settings, exclude=_string_list(key, value)),
    "extend-exclude": lambda settings, key, value: replace(settings, extend_exclude=_string_list(key, value)),
    "per-file-ignores": lambda settings, key, value: replace(
        settings, per_file_ignores=_per_file_ignores(key, value)
    ),
    "target-django": lambda settings, key, value: replace(settings, target_django=_version(key, value)),
    "settings-module": lambda settings, key, value: replace(settings, settings_module=_dotted(key, value)),
    "blocking-calls": lambda settings, key, value: replace(
        settings, blocking_calls=_qualified_names(key, value)
    ),
    "respect-gitignore": lambda settings, key, value: replace(settings, respect_gitignore=_bool(key, value)),
    "fixable": lambda settings, key, value: replace(settings, fixable=_codes(key, value)),
    "unfixable": lambda settings, key, value: replace(settings, unfixable=_codes(key, value)),
}


# -- finding and reading the file ------------------------------------------------


def find_config_file(paths: Sequence[Path]) -> Path | None:
    """The nearest pyproject.toml with a `[tool.asyncdj-lint]` table, at or above the first path."""
    start = (paths[0] if paths else Path(".")).resolve()
    if not start.is_dir():
        start = start.parent
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and SECTION in _tool_table(candidate):
            return candidate
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: not valid TOML: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None


def _tool_table(path: Path) -> dict[str, object]:
    """The file's `[tool]` table; a `tool` key that is not a table is a configuration error."""
    tool = _read(path).get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table")
    return tool


def _from_file(config_file: Path, chain: tuple[Path, ...] = ()) -> Settings:
    """The settings of a file's table, over those of the file its `extend` names, as in ruff."""
    resolved = config_file.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(path) for path in (*chain, resolved))
        raise ConfigError(f"{chain[0]}: [tool.{SECTION}] `extend` makes a cycle: {cycle}")
    table = _tool_table(config_file).get(SECTION, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{config_file}: `tool.{SECTION}` must be a table")
    inherited = Settings()
    if "extend" in table:
        inherited = _from_file(_extended(config_file, table["extend"]), (*chain, resolved))
    settings = replace(inherited, config_file=resolved, root=resolved.parent)
    for key, value in table.items():
        if key == "extend":
            continue
        parser = _PARSERS.get(key)
        if parser is None:
            known = ", ".join([*_PARSERS, "extend"])
            raise ConfigError(f"{config_file}: unknown key `{key}` in [tool.{SECTION}] (known keys: {known})")
        try:
            settings = parser(settings, key, value)
        except ConfigError as error:
            raise ConfigError(f"{config_file}: [tool.{SECTION}] {error}") from None
    # these lists add to the inherited ones; every other key replaces its inherited value
    return replace(
        settings,
        ignore=inherited.ignore + settings.ignore if "ignore" in table else settings.ignore,
        extend_select=(
            inherited.extend_select + settings.extend_select
            if "extend-select" in table
            else settings.extend_select
        ),
        extend_exclude=(
            inherited.extend_exclude + settings.extend_exclude
            if "extend-exclude" in table
            else settings.extend_exclude
        ),
    )


def _extended(config_file: Path, value: object) -> Path:
    """The file an `extend` key names, relative to the file that holds the key."""
    if not isinstance(value, str):
        raise ConfigError(
            f"{config_file}: [tool.{SECTION}] `extend` must be a path to a pyproject.toml, not {value!r}"
        )
    base = config_file.resolve().parent / Path(value).expanduser()
    if not base.is_file():
        raise ConfigError(f"{config_file}: [tool.{SECTION}] `extend`: no such file: {base}")
    return base


def load_settings(paths: Sequence[Path], config_file: Path | None = None) -> Settings:
    """The settings of a run on `paths`: from `config_file`, else the nearest pyproject.toml."""
    named = config_file is not None
    config_file = config_file or find_config_file(paths)
    if config_file is None:
        return Settings(root=project_root(paths))
    # A file named with --config gives settings, not the project: the paths' root stays the root.
    settings = _from_file(config_file)
    return replace(settings, root=project_root(paths)) if named else settings


@dataclass(frozen=True)
class Overrides:
    """The command line's values for settings; an empty tuple or None leaves the file's value."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool | None = None
    respect_gitignore: bool | None = None
    target_django: tuple[int, int] | None = None
    settings_module: str | None = None
    cache: bool | None = None
    fixable: tuple[str, ...] = ()
    unfixable: tuple[str, ...] = ()


_T = TypeVar("_T")


def _given(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def with_overrides(settings: Settings, overrides: Overrides) -> Settings:
    """Command-line values over the file's.

    `select`, `exclude` and `fixable` replace the file's lists; `ignore`,
    `extend-select`, `extend-exclude` and `unfixable` add to them, as in ruff.
    """
    return replace(
        settings,
        select=overrides.select or settings.select,
        ignore=settings.ignore + overrides.ignore,
        extend_select=settings.extend_select + overrides.extend_select,
        exclude=overrides.exclude or settings.exclude,
        extend_exclude=settings.extend_exclude + overrides.extend_exclude,
        force_exclude=_given(overrides.force_exclude, settings.force_exclude),
        respect_gitignore=_given(overrides.respect_gitignore, settings.respect_gitignore),
        target_django=_given(overrides.target_django, settings.target_django),
        target_django_declared=settings.target_django_declared and overrides.target_django is None,
        settings_module=_given(overrides.settings_module, settings.settings_module),
        cache=_given(overrides.cache, settings.cache),
        fixable=overrides.fixable or settings.fixable,
        unfixable=settings.unfixable + overrides.unfixable,
    )


# -- using them --------------------------------------------------------------


def to_options(settings: Settings) -> LintOptions:
    select = settings.select
    if settings.extend_select and not select:  # the default set, plus the extension
        select = tuple(rule.code for rule in all_rules() if RuleSelection().enabled(rule.code, rule.severity))
    selection = RuleSelection(select=select + settings.extend_select, ignore=settings.ignore)
    return LintOptions(
        selection=selection,
        target_django=settings.target_django,
        django_declared=settings.target_django is not None and settings.target_django_declared,
        blocking_calls=settings.blocking_calls,
        settings_module=settings.settings_module,
        root=settings.root,
        exclude=settings.excluded_patterns,
        force_exclude=settings.force_exclude,
        respect_gitignore=settings.respect_gitignore,
        per_file_ignores=settings.per_file_ignores,
        cache=settings.cache,
    )


def describe(settings: Settings) -> str:
    """`--show-settings`: every setting with the value this run uses, in TOML syntax."""
    lines = [
        f"# config file: {settings.config_file or '(none: defaults)'}",
        f"# project root: {settings.root or '(none found: only the given paths are indexed)'}",
        f"[tool.{SECTION}]",
    ]
    for item in fields(Settings):
        if item.name in ("config_file", "root", "target_django_declared"):
            continue
        key, value = item.name.replace("_", "-"), getattr(settings, item.name)
        if item.name == "target_django" and value is None and settings.root is not None:
            detected = format_version(detect_target_django(settings.root))
            lines.append(f"# target-django is not set: {detected}, read from the project's requirements")
            continue
        lines.append(f"# {key} is not set" if value is None else f"{key} = {_toml(value)}")
    enabled = [
        rule.code for rule in all_rules() if to_options(settings).selection.enabled(rule.code, rule.severity)
    ]
    lines.append(f"# enabled rules: {', '.join(enabled) or '(none)'}")
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f'"{value[0]}.{value[1]}"'
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
        return "{ " + ", ".join(f'"{glob}" = {_toml(codes)}' for glob, codes in value) + " }"
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f'"{value}"'
