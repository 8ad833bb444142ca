"""A LibCST module rewritten in the syntax of the oldest Python asyncdj-lint runs on, for `ast`.

Module summaries are read with the running Python's `ast`, which refuses syntax
newer than itself; LibCST reads every grammar. For such a module (rare: a few
files of a project on a newer Python) the summary is read from this rewrite,
which keeps what a summary reads and drops only what it never reads.
"""

from __future__ import annotations

import libcst as cst


def downgraded(module: cst.Module) -> str:
    """The module's code with type parameters and `type` statements dropped, f-strings
    replaced by `(0)` and `except A, B:` parenthesised."""
    return module.visit(_Downgrade()).code


class _Downgrade(cst.CSTTransformer):
    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        return updated.with_changes(type_parameters=None)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        return updated.with_changes(type_parameters=None)

    def leave_TypeAlias(self, original: cst.TypeAlias, updated: cst.TypeAlias) -> cst.Pass:
        return cst.Pass()

    def leave_FormattedString(
        self, original: cst.FormattedString, updated: cst.FormattedString
    ) -> cst.BaseExpression:
        return _NEUTRAL

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        return False  # replaced whole when it holds an f-string: its parts are never read

    def leave_ConcatenatedString(
        self, original: cst.ConcatenatedString, updated: cst.ConcatenatedString
    ) -> cst.BaseExpression:
        return _NEUTRAL if _holds_f_string(updated) else updated

    def leave_ExceptHandler(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        kind = updated.type
        if isinstance(kind, cst.Tuple) and not kind.lpar:
            return updated.with_changes(
                type=kind.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            )
        return updated


_NEUTRAL = cst.Integer("0", lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _holds_f_string(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.ConcatenatedString):
        return _holds_f_string(node.left) or _holds_f_string(node.right)
    return isinstance(node, cst.FormattedString)
