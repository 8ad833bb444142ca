"""Statements: a module's top level read through its `if` and `try` blocks, and how a
function body ends (its `return` statements, whether it yields)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from asyncdj_lint.syntax.walk import FunctionBodyVisitor, walk


def top_level_statements(body: Sequence[cst.CSTNode], *, all_branches: bool = True) -> Iterator[cst.CSTNode]:
    """The statements of `body`, each `if`/`try` block replaced by the statements inside it.

    With `all_branches`, an `if` gives its body and its `else` or first `elif` body, a
    `try` its body, handlers, `else` and `finally`. Without, only the first branch:
    the `if` body (a TYPE_CHECKING block) and the `try` body (`try: from x import y`),
    which is what runs where the imported names exist.
    """
    for statement in body:
        if isinstance(statement, cst.If):
            yield from top_level_statements(statement.body.body, all_branches=all_branches)
            if all_branches and statement.orelse is not None:
                yield from top_level_statements(statement.orelse.body.body, all_branches=all_branches)
        elif isinstance(statement, cst.Try):
            yield from top_level_statements(statement.body.body, all_branches=all_branches)
            if not all_branches:
                continue
            for handler in statement.handlers:
                yield from top_level_statements(handler.body.body, all_branches=all_branches)
            for extra in (statement.orelse, statement.finalbody):
                if extra is not None:
                    yield from top_level_statements(extra.body.body, all_branches=all_branches)
        else:
            yield statement


def function_exits(function: cst.FunctionDef) -> tuple[list[cst.Return], bool]:
    """The `return` statements of a function's own body, in order (not those of functions
    nested in it), and whether that body yields (calling the function makes a generator)."""
    finder = _Exits()
    walk(function.body, finder)
    return finder.returns, finder.yields


class _Exits(FunctionBodyVisitor):
    def __init__(self) -> None:
        self.returns: list[cst.Return] = []
        self.yields = False

    def visit_Return(self, node: cst.Return) -> None:
        self.returns.append(node)

    def visit_Yield(self, node: cst.Yield) -> None:
        self.yields = True
