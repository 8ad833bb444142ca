"""The statements of a settings module that the linter reads, one frozen dataclass per operation.

A pure function of the file's content: names are kept as written, star
imports as written (relative dots kept), and `settings` replays the
operations in order across the settings modules a project runs with.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import libcst as cst

from asyncdj_lint.syntax.literals import (
    bool_value,
    int_value,
    string_value,
    subscript_path,
)
from asyncdj_lint.syntax.names import dotted_name
from asyncdj_lint.syntax.statements import top_level_statements

SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"


@dataclass(frozen=True)
class ListPart:
    """A piece of a list expression: literal entries (None when not a string), or another setting."""

    entries: tuple[str | None, ...] = ()
    name: str | None = None


# A list built from literals and other settings (`BASE + ["a", *EXTRA]`); None when it is not.
ListParts = tuple[ListPart, ...] | None


# `if NAME:` (NAME, True) or `if not NAME:` / its `else:` (NAME, False); None when not that simple.
Condition = tuple[str, bool] | None
# What a flag setting is: "true", "false", "argv-test" (`sys.argv[1] == "test"`: true under
# `manage.py test` only) or "unknown".
_ARGV_TESTS = frozenset(
    {
        "sys.argv[1]=='test'",
        "len(sys.argv)>1andsys.argv[1]=='test'",
        "'test'insys.argv",
        "sys.argv[1:2]==['test']",
    }
)


@dataclass(frozen=True)
class FlagAssign:
    """`NAME = True`, `NAME = sys.argv[1] == "test"`, `NAME = env.bool(...)`: a setting other settings'
    `if` blocks may test."""

    name: str
    value: str
    conditional: bool = False
    condition: Condition = None


@dataclass(frozen=True)
class SplitInclude:
    """django-split-settings' `include("components/*.py", optional("local.py"))`: the patterns, relative
    to the including file's folder, each with whether it is `optional()`; None when one is not a literal."""

    patterns: tuple[tuple[str, bool], ...] | None
    # Written in an `if` block: it may or may not run.
    conditional: bool = False
    # The `if` it is written in, when its test is a setting's truth: (NAME, the value it runs on).
    condition: Condition = None


@dataclass(frozen=True)
class StarImport:
    """`from .base import *`: the target as written."""

    target: str


@dataclass(frozen=True)
class ListAssign:
    """`NAME = [...]` (any upper-case name)."""

    name: str
    parts: ListParts


@dataclass(frozen=True)
class ListExtend:
    """`NAME += [...]` and `NAME.extend([...])`."""

    name: str
    parts: ListParts


@dataclass(frozen=True)
class ListInsert:
    """`NAME.append(entry)` (index None) and `NAME.insert(index, entry)`; `anchor` for an index
    read from the list itself, `NAME.insert(NAME.index("other") + offset, entry)`: ("other", offset);
    `placed` False for an index that is neither (the entry is in the list, where is not known)."""

    name: str
    index: int | None
    entry: str | None
    anchor: tuple[str, int] | None = None
    placed: bool = True


@dataclass(frozen=True)
class ListRemove:
    """`NAME.remove(entry)`."""

    name: str
    entry: str | None


@dataclass(frozen=True)
class ListPop:
    """`NAME.pop()` (index None) and `NAME.pop(index)`."""

    name: str
    index: int | None


@dataclass(frozen=True)
class ListDelete:
    """`del NAME[index]`, and `del NAME[start:stop]` (slice True; None for an open end)."""

    name: str
    start: int | None
    stop: int | None = None
    slice: bool = False


@dataclass(frozen=True)
class ListSetItem:
    """`NAME[index] = entry`."""

    name: str
    index: int
    entry: str | None


@dataclass(frozen=True)
class ListUnknown:
    """Any other change to a setting: its value is no longer known. `source`: the module it is
    imported from by name (`from .base import MIDDLEWARE`), as written."""

    name: str
    source: str | None = None


@dataclass(frozen=True)
class DatabasesAssign:
    """`DATABASES = {...}`: ATOMIC_REQUESTS per alias (None when unknown); None when not a literal."""

    atomic: tuple[tuple[str, bool | None], ...] | None


@dataclass(frozen=True)
class AtomicSet:
    """`DATABASES[alias]["ATOMIC_REQUESTS"] = value` or `DATABASES[alias] = {...}`; alias None when unknown."""

    alias: str | None
    value: bool | None


@dataclass(frozen=True)
class CachesAssign:
    """`CACHES = {...}`: BACKEND per alias (None when not a literal); None when the whole value is not a literal."""

    backends: tuple[tuple[str, str | None], ...] | None
    # Written in an `if` block: it may or may not run.
    conditional: bool = False
    # The `if` it is written in, when its test is a setting's truth: (NAME, the value it runs on).
    condition: Condition = None


@dataclass(frozen=True)
class CacheBackendSet:
    """`CACHES[alias]["BACKEND"] = value` or `CACHES[alias] = {...}`; alias None when unknown."""

    alias: str | None
    backend: str | None
    conditional: bool = False
    # The `if` it is written in, when its test is a setting's truth: (NAME, the value it runs on).
    condition: Condition = None


@dataclass(frozen=True)
class TextAssign:
    """`NAME = "text"` for a setting whose value is one string (TEXT_SETTINGS); value None when
    not a literal."""

    name: str
    value: str | None
    conditional: bool = False


# Settings read as one string: the swappable user model.
TEXT_SETTINGS = frozenset({"AUTH_USER_MODEL"})


@dataclass(frozen=True)
class AsgiApplication:
    """`ASGI_APPLICATION = value` (the text when a string)."""

    value: str | None


SettingsOp = (
    StarImport
    | SplitInclude
    | FlagAssign
    | ListAssign
    | ListExtend
    | ListInsert
    | ListRemove
    | ListPop
    | ListDelete
    | ListSetItem
    | ListUnknown
    | DatabasesAssign
    | AtomicSet
    | CachesAssign
    | CacheBackendSet
    | AsgiApplication
    | TextAssign
)
ListOp = ListAssign | ListExtend | ListInsert | ListRemove | ListPop | ListDelete | ListSetItem | ListUnknown


# Apps whose presence in INSTALLED_APPS makes `runserver` (daphne) or the project (channels) ASGI.
ASGI_SERVER_APPS = frozenset({"daphne", "channels"})


def is_asgi_evidence(op: SettingsOp) -> bool:
    """ASGI_APPLICATION, or an INSTALLED_APPS edit that writes an ASGI server app."""
    if isinstance(op, AsgiApplication):
        return True
    if isinstance(op, ListAssign | ListExtend) and op.name == "INSTALLED_APPS":
        return any(entry in ASGI_SERVER_APPS for part in op.parts or () for entry in part.entries)
    return (
        isinstance(op, ListInsert | ListSetItem)
        and op.name == "INSTALLED_APPS"
        and op.entry in ASGI_SERVER_APPS
    )


def settings_ops(
    body: Sequence[cst.BaseStatement | cst.BaseSmallStatement],
) -> Iterator[tuple[SettingsOp, cst.CSTNode]]:
    """The settings statements of a module in order, each with the node it was read from."""
    conditional = {
        id(inner) for statement in body if isinstance(statement, cst.If) for inner in _nested(statement)
    }
    conditions = {
        id(inner): condition
        for statement in body
        if isinstance(statement, cst.If)
        for inner, condition in _conditions(statement)
    }
    for statement in top_level_statements(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        if id(statement) in conditional:
            for op, small in _statement_ops(statement):
                if isinstance(op, CachesAssign | CacheBackendSet | SplitInclude | FlagAssign):
                    op = replace(op, conditional=True, condition=conditions.get(id(statement)))
                elif isinstance(op, TextAssign):
                    op = replace(op, conditional=True)
                yield op, small
        else:
            yield from _statement_ops(statement)


def _conditions(statement: cst.If) -> Iterator[tuple[cst.CSTNode, Condition]]:
    """The statements directly in an `if NAME:` / `if not NAME:` body and its `else:`, with their condition."""
    test, expected = statement.test, True
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test, expected = test.expression, False
    if not (isinstance(test, cst.Name) and is_setting_name(test.value)):
        return
    yield from ((inner, (test.value, expected)) for inner in statement.body.body)
    if isinstance(statement.orelse, cst.Else):
        yield from ((inner, (test.value, not expected)) for inner in statement.orelse.body.body)


def flag_value(expr: cst.BaseExpression) -> str:
    """ "true", "false", "argv-test" or "unknown" (see FlagAssign)."""
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value.lower()
    text = "".join(cst.Module([]).code_for_node(expr).split()).replace('"', "'")
    return "argv-test" if text in _ARGV_TESTS else "unknown"


def _nested(statement: cst.If) -> Iterator[cst.CSTNode]:
    """The statements an `if` (its `elif`s and `else` included) holds, as `top_level_statements` reads them."""
    yield from top_level_statements(statement.body.body)
    if statement.orelse is not None:
        yield from top_level_statements(statement.orelse.body.body)


def _statement_ops(statement: cst.SimpleStatementLine) -> Iterator[tuple[SettingsOp, cst.CSTNode]]:
    for small in statement.body:
        if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            # `from .caches import CACHES`: a value read from elsewhere is unknown, unless it is
            # the one the replay already holds (see `SettingsIndex._replay`).
            written = dotted_name(small.module) if small.module is not None else None
            source = "." * len(small.relative) + (written or "")
            for name in _imported_names(small.names):
                yield ListUnknown(name, source), small
            continue
        op = _settings_op(small)
        if op is not None:
            yield op, small
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(target := small.targets[0].target, cst.Name)
            and is_setting_name(target.value)
            and not isinstance(small.value, cst.List | cst.Tuple | cst.Dict | cst.SimpleString)
        ):
            yield FlagAssign(target.value, flag_value(small.value)), small


def _imported_names(names: Sequence[cst.ImportAlias]) -> Iterator[str]:
    """The setting names an import binds."""
    for alias in names:
        bound = alias.asname.name if alias.asname is not None else alias.name
        if isinstance(bound, cst.Name) and is_setting_name(bound.value):
            yield bound.value


def _settings_op(small: cst.BaseSmallStatement) -> SettingsOp | None:
    if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
        module = dotted_name(small.module) if small.module is not None else ""
        return StarImport("." * len(small.relative) + (module or ""))
    if isinstance(small, (cst.Assign, cst.AnnAssign)):
        return _assignment_op(small)
    if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
        name = small.target.value
        if not is_setting_name(name):
            return None
        if isinstance(small.operator, cst.AddAssign):
            return ListExtend(name, list_parts(small.value))
        return ListUnknown(name)
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        return _split_include(small.value) or _list_method_op(small.value)
    if isinstance(small, cst.Del):
        return _delete_op(small.target)
    return None


def is_setting_name(name: str) -> bool:
    return name.isupper()


def _assignment_op(small: cst.Assign | cst.AnnAssign) -> SettingsOp | None:
    if isinstance(small, cst.Assign):
        if len(small.targets) != 1:
            return None
        target, value = small.targets[0].target, small.value
    else:
        target = small.target
        if small.value is None:
            return None
        value = small.value
    if isinstance(target, cst.Subscript):
        return _atomic_set(target, value) or _cache_set(target, value) or _item_op(target, value)
    if not isinstance(target, cst.Name) or not is_setting_name(target.value):
        return None
    name = target.value
    if name == "DATABASES":
        return DatabasesAssign(_databases(value))
    if name == "CACHES":
        return CachesAssign(_caches(value))
    if name == "ASGI_APPLICATION":
        return AsgiApplication(string_value(value))
    if name in TEXT_SETTINGS:
        return TextAssign(name, string_value(value))
    return ListAssign(name, list_parts(value))


def list_parts(expr: cst.BaseExpression) -> ListParts:
    """`BASE + ["a", *EXTRA]` -> parts; None when it is not built from literals and settings."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        left, right = list_parts(expr.left), list_parts(expr.right)
        return None if left is None or right is None else left + right
    if isinstance(expr, cst.Name) and is_setting_name(expr.value):
        return (ListPart(name=expr.value),)
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return None
    parts: list[ListPart] = []
    entries: list[str | None] = []
    for element in expr.elements:
        if isinstance(element, cst.StarredElement):
            inner = list_parts(element.value)
            if inner is None:
                return None
            parts += [ListPart(tuple(entries)), *inner]
            entries = []
        else:
            entries.append(string_value(element.value))
    return (*parts, ListPart(tuple(entries)))


def list_entry_nodes(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The elements `list_parts` reads as literal entries, in the same order."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return list_entry_nodes(expr.left) + list_entry_nodes(expr.right)
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return []
    nodes: list[cst.BaseExpression] = []
    for element in expr.elements:
        if isinstance(element, cst.StarredElement):
            nodes += list_entry_nodes(element.value)
        else:
            nodes.append(element.value)
    return nodes


def entry_nodes(op: SettingsOp, node: cst.CSTNode) -> list[cst.BaseExpression]:
    """The expressions an operation writes as list entries, numbered as the settings replay numbers them."""
    if isinstance(op, ListSetItem) and isinstance(node, cst.Assign):
        return [node.value]
    if isinstance(op, ListAssign | ListExtend) and isinstance(
        node, cst.Assign | cst.AnnAssign | cst.AugAssign
    ):
        return list_entry_nodes(node.value) if node.value is not None else []
    if (
        isinstance(op, ListInsert | ListExtend)
        and isinstance(node, cst.Expr)
        and isinstance(node.value, cst.Call)
    ):
        args = node.value.args
        if isinstance(op, ListExtend):
            return list_entry_nodes(args[0].value)
        return [args[-1].value]
    return []


def _split_include(call: cst.Call) -> SplitInclude | None:
    """A statement `include(...)` (or `split_settings.tools.include(...)`) with positional arguments."""
    func = call.func
    name = (
        func.value
        if isinstance(func, cst.Name)
        else func.attr.value
        if isinstance(func, cst.Attribute)
        else ""
    )
    if name != "include" or not call.args or any(arg.keyword is not None or arg.star for arg in call.args):
        return None
    patterns: list[tuple[str, bool]] = []
    for arg in call.args:
        value, optional = arg.value, False
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name | cst.Attribute)
            and (value.func.value if isinstance(value.func, cst.Name) else value.func.attr.value)
            == "optional"
            and len(value.args) == 1
        ):
            value, optional = value.args[0].value, True
        pattern = string_value(value)
        if pattern is None:
            return SplitInclude(None)
        patterns.append((pattern, optional))
    return SplitInclude(tuple(patterns))


def _list_method_op(call: cst.Call) -> SettingsOp | None:
    func = call.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return None
    name, method = func.value.value, func.attr.value
    if not is_setting_name(name):
        return None
    args = [arg.value for arg in call.args]
    if method == "append" and len(args) == 1:
        return ListInsert(name, None, string_value(args[0]))
    if method == "insert" and len(args) == 2 and (index := int_value(args[0])) is not None:
        return ListInsert(name, index, string_value(args[1]))
    if method == "insert" and len(args) == 2:
        anchor = _index_of(name, args[0])
        return ListInsert(name, None, string_value(args[1]), anchor, placed=anchor is not None)
    if method == "extend" and len(args) == 1:
        return ListExtend(name, list_parts(args[0]))
    if method == "remove" and len(args) == 1:
        return ListRemove(name, string_value(args[0]))
    if method == "pop" and len(args) <= 1:
        index = int_value(args[0]) if args else None
        return ListPop(name, index) if index is not None or not args else ListUnknown(name)
    return ListUnknown(name)


def _index_of(name: str, expr: cst.BaseExpression) -> tuple[str, int] | None:
    """`NAME.index("entry")`, plus or minus a literal int -> ("entry", offset); None otherwise."""
    offset = 0
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add | cst.Subtract):
        step = int_value(expr.right)
        if step is None:
            return None
        offset = step if isinstance(expr.operator, cst.Add) else -step
        expr = expr.left
    if not (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and isinstance(expr.func.value, cst.Name)
        and expr.func.value.value == name
        and expr.func.attr.value == "index"
        and len(expr.args) == 1
        and not expr.args[0].star
        and expr.args[0].keyword is None
    ):
        return None
    entry = string_value(expr.args[0].value)
    return None if entry is None else (entry, offset)


def _subscripted_setting(target: cst.BaseExpression) -> tuple[str, cst.BaseSlice] | None:
    """`NAME[...]` with one index or slice -> (NAME, that slice)."""
    if not (
        isinstance(target, cst.Subscript)
        and isinstance(target.value, cst.Name)
        and is_setting_name(target.value.value)
        and len(target.slice) == 1
    ):
        return None
    return target.value.value, target.slice[0].slice


def _item_op(target: cst.Subscript, value: cst.BaseExpression) -> SettingsOp | None:
    """`NAME[0] = "x"`; any other item or slice assignment makes the setting unknown."""
    found = _subscripted_setting(target)
    if found is None:
        return None
    name, index = found
    position = int_value(index.value) if isinstance(index, cst.Index) else None
    if position is None:
        return ListUnknown(name)
    return ListSetItem(name, position, string_value(value))


def _delete_op(target: cst.BaseExpression) -> SettingsOp | None:
    """`del NAME[0]`, `del NAME[1:3]`; `del NAME` and other deletions make the setting unknown."""
    if isinstance(target, cst.Name):
        return ListUnknown(target.value) if is_setting_name(target.value) else None
    found = _subscripted_setting(target)
    if found is None:
        return None
    name, index = found
    if isinstance(index, cst.Index):
        position = int_value(index.value)
        return ListUnknown(name) if position is None else ListDelete(name, position)
    if not isinstance(index, cst.Slice):
        return ListUnknown(name)
    bounds = [None if bound is None else int_value(bound) for bound in (index.lower, index.upper)]
    known = all(b is not None or e is None for b, e in zip(bounds, (index.lower, index.upper)))
    if not known or index.step is not None:
        return ListUnknown(name)
    return ListDelete(name, bounds[0], bounds[1], slice=True)


def _databases(value: cst.BaseExpression) -> tuple[tuple[str, bool | None], ...] | None:
    if not isinstance(value, cst.Dict):
        return None
    aliases = []
    for element in value.elements:
        alias = string_value(element.key) if isinstance(element, cst.DictElement) else None
        if alias is None:
            return None
        aliases.append((alias, atomic_requests(element.value)))
    return tuple(aliases)


def _caches(value: cst.BaseExpression) -> tuple[tuple[str, str | None], ...] | None:
    if not isinstance(value, cst.Dict):
        return None
    aliases = []
    for element in value.elements:
        alias = string_value(element.key) if isinstance(element, cst.DictElement) else None
        if alias is None or not isinstance(element, cst.DictElement):
            return None
        aliases.append((alias, cache_backend(element.value)))
    return tuple(aliases)


def cache_backend(config: cst.BaseExpression) -> str | None:
    """BACKEND in one cache's settings dict; None when it is not a string literal or may be overridden."""
    if not isinstance(config, cst.Dict):
        return None
    backend = None
    for element in config.elements:
        if not isinstance(element, cst.DictElement):
            return None  # `**OTHER` may set it
        if string_value(element.key) == "BACKEND":
            backend = string_value(element.value)
    return backend


def _cache_set(target: cst.Subscript, value: cst.BaseExpression) -> CacheBackendSet | None:
    """`CACHES["default"]["BACKEND"] = "..."` and `CACHES["default"] = {...}`."""
    path = subscript_path(target)
    if path is None or path[0] != "CACHES":
        return None
    if len(path) == 3 and path[2] == "BACKEND":
        return CacheBackendSet(path[1], string_value(value))
    if len(path) == 2:
        return CacheBackendSet(path[1], cache_backend(value))
    return None


def atomic_requests(config: cst.BaseExpression) -> bool | None:
    """ATOMIC_REQUESTS in one database's settings dict: False when absent, None when unknown."""
    if not isinstance(config, cst.Dict):
        return None
    for element in config.elements:
        if not isinstance(element, cst.DictElement):
            return None  # `**OTHER` may set it
        if string_value(element.key) == "ATOMIC_REQUESTS":
            return bool_value(element.value)
    return False


def _atomic_set(target: cst.Subscript, value: cst.BaseExpression) -> AtomicSet | None:
    """`DATABASES["default"]["ATOMIC_REQUESTS"] = True`."""
    path = subscript_path(target)
    if path is None or path[0] != "DATABASES":
        return None
    if len(path) == 3 and path[2] == "ATOMIC_REQUESTS":
        return AtomicSet(path[1], bool_value(value))
    if len(path) == 2:
        return AtomicSet(path[1], atomic_requests(value))
    return None


def settings_defaults(body: Sequence[cst.BaseStatement | cst.BaseSmallStatement]) -> Iterator[str]:
    """`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x")` at top level or in a top-level function."""
    for statement in top_level_statements(body):
        if isinstance(statement, cst.FunctionDef):
            yield from settings_defaults(statement.body.body)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                value = small.value if isinstance(small, (cst.Expr, cst.Assign)) else None
                if isinstance(value, cst.Call) and dotted_name(value.func) == "os.environ.setdefault":
                    args = [string_value(arg.value) for arg in value.args]
                    if len(args) == 2 and args[0] == SETTINGS_ENV and args[1]:
                        yield args[1]
