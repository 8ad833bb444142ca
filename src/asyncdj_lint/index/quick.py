"""A module's function declarations read with Python's own `ast`, a seventh of LibCST's parse time.

Some questions the index asks of every module that mentions a word (which
methods are properties) need only the `functions` part of a summary. For a
module not summarised yet, that part is read here instead of parsing the module
with LibCST; the declarations are the same as `summary.functions`, entry for
entry and in the same order. A module this cannot read the same way (non-ASCII
text, whose identifiers `ast` normalises, or syntax this Python does not parse)
gets None, and its summary is used.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterator

from asyncdj_lint.index.functions import FunctionDecl

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def function_decls(source: bytes) -> dict[str, FunctionDecl] | None:
    """`summarize(...).functions` for this source, or None when only the summary can tell."""
    if not source.isascii():
        return None
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    functions: dict[str, FunctionDecl] = {}
    for statement in _top_level(module.body):
        if isinstance(statement, ast.ClassDef):
            for inner in statement.body:
                if isinstance(inner, _FUNCTIONS):
                    decl = _decl(inner, statement.name)
                    functions[decl.key] = decl
        elif isinstance(statement, _FUNCTIONS):
            functions[statement.name] = _decl(statement, None)
    return functions


def digest(functions: dict[str, FunctionDecl]) -> str:
    """A fingerprint of declarations, for the result cache to ask whether they changed."""
    return hashlib.sha1(repr(list(functions.values())).encode(), usedforsecurity=False).hexdigest()


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """`syntax.statements.top_level_statements(all_branches=False)`: the first branch of each
    `if` and the body of each `try` (not of `try`/`except*`, which LibCST calls TryStar)."""
    for statement in body:
        if isinstance(statement, (ast.If, ast.Try)):
            yield from _top_level(statement.body)
        else:
            yield statement


def _decl(node: ast.FunctionDef | ast.AsyncFunctionDef, owner: str | None) -> FunctionDecl:
    """`index.functions.function_decl` of the same function."""
    decorators = []
    for expr in node.decorator_list:
        suffix = ""
        if isinstance(expr, ast.Call):
            expr, suffix = expr.func, "()"
        name = _dotted(expr)
        decorators.append(f"{name}{suffix}" if name else "?")
    return FunctionDecl(node.name, owner, isinstance(node, ast.AsyncFunctionDef), tuple(decorators))


def _dotted(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = _dotted(expr.value)
        return None if base is None else f"{base}.{expr.attr}"
    return None
