"""Dotted names, import bindings and string literals, read from Python's own `ast` nodes.

The module summaries are read with `ast` (a fraction of LibCST's parse time);
these are the `ast` readings of what `syntax.names` and `syntax.literals` read
from LibCST nodes, with the same results.
"""

from __future__ import annotations

import ast


def dotted_name(expr: ast.expr) -> str | None:
    """`models.Model` -> "models.Model"; None for anything but names and attributes.

    `True`, `False` and `None` are names too, as LibCST reads them.
    """
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Constant) and (expr.value is None or expr.value is True or expr.value is False):
        return str(expr.value)
    if isinstance(expr, ast.Attribute):
        base = dotted_name(expr.value)
        return None if base is None else f"{base}.{expr.attr}"
    return None


def import_bindings(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """`syntax.names.import_bindings` of the same statement."""
    bindings: dict[str, str] = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname is not None:
                bindings[alias.asname] = alias.name
            else:
                head = alias.name.split(".", 1)[0]
                bindings[head] = head
        return bindings
    prefix = "." * node.level
    base = prefix + node.module if node.module else prefix
    for alias in node.names:
        if alias.name == "*":
            return {}
        joiner = "" if base.endswith(".") else "."
        bindings[alias.asname or alias.name] = f"{base}{joiner}{alias.name}"
    return bindings


def string_value(expr: ast.expr | None) -> str | None:
    """The value of a string literal (implicitly concatenated ones included), else None."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return None


def is_true(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


def call_arguments(call: ast.Call) -> list[tuple[str | None, ast.expr]]:
    """(keyword or None, value) of each argument in source order, as LibCST lists them:
    `*args` and `**kwargs` by their value, without a keyword."""
    found: list[tuple[ast.expr, str | None, ast.expr]] = [
        (arg, None, arg.value if isinstance(arg, ast.Starred) else arg) for arg in call.args
    ]
    found += [(keyword.value, keyword.arg, keyword.value) for keyword in call.keywords]
    if call.keywords and call.args:  # `f(a=1, *b)`: positional and keyword arguments may interleave
        found.sort(key=lambda item: (item[0].lineno, item[0].col_offset))
    return [(keyword, value) for _, keyword, value in found]
