"""Literal values read from LibCST nodes."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint import parse_guard


def string_value(expr: cst.BaseExpression | None) -> str | None:
    """The value of a string literal (`"a"`, or implicitly concatenated `"a" "b"`), else None.

    f-strings and bytes have no value here.
    """
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        value = parse_guard.literal_value(expr)  # None for `"\N{nope}"`, which Python cannot build
        return value if isinstance(value, str) else None
    return None


def bool_value(expr: cst.BaseExpression) -> bool | None:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None


def int_value(expr: cst.BaseExpression) -> int | None:
    """`3`, `-1`, `0x10` -> the number; None for anything else."""
    if isinstance(expr, cst.Integer):
        value = parse_guard.literal_value(expr)  # None for more digits than int() converts
        return value if isinstance(value, int) else None
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
