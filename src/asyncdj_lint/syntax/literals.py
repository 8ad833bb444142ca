"""Literal values read from LibCST nodes."""

from __future__ import annotations

import libcst as cst


def string_value(expr: cst.BaseExpression | None) -> str | None:
    """The value of a string literal (`"a"`, or implicitly concatenated `"a" "b"`), else None.

    f-strings and bytes have no value here.
    """
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None
