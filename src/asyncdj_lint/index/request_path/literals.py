"""Literal values as a settings module or a class body writes them, read without evaluating anything."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst


def string_value(expr: cst.BaseExpression) -> str | None:
    """`"a"` and `"a" "b"` -> their text; None for anything else."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def bool_value(expr: cst.BaseExpression) -> bool | None:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None


def int_value(expr: cst.BaseExpression) -> int | None:
    """`3`, `-1`, `0x10` -> the number; None for anything else."""
    if isinstance(expr, cst.Integer):
        return int(expr.value, 0)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = int_value(expr.expression)
        return None if inner is None else -inner
    return None


def subscript_path(expr: cst.BaseExpression) -> tuple[str | None, ...] | None:
    """`DATABASES["default"]["X"]` -> ("DATABASES", "default", "X")."""
    if isinstance(expr, cst.Name):
        return (expr.value,)
    if not (isinstance(expr, cst.Subscript) and len(expr.slice) == 1):
        return None
    index = expr.slice[0].slice
    inner = subscript_path(expr.value)
    if inner is None or not isinstance(index, cst.Index):
        return None
    return (*inner, string_value(index.value))


def top_level(body: Sequence[cst.BaseStatement | cst.BaseSmallStatement]) -> Iterator[cst.CSTNode]:
    """Top-level statements, including those in `if`/`try` blocks and their other branches."""
    for statement in body:
        if isinstance(statement, cst.If):
            yield from top_level(statement.body.body)
            if statement.orelse is not None:
                yield from top_level(statement.orelse.body.body)
        elif isinstance(statement, cst.Try):
            yield from top_level(statement.body.body)
            for handler in statement.handlers:
                yield from top_level(handler.body.body)
            for extra in (statement.orelse, statement.finalbody):
                if extra is not None:
                    yield from top_level(extra.body.body)
        else:
            yield statement
