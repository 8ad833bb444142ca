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
