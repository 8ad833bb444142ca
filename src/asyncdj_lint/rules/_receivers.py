"""Objects a rule recognises by how they are made (`self.client`, `AsyncClient()`,
`layer = get_channel_layer()`), and the class whose method the code is in."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.scopes import ValueBinding
from asyncdj_lint.rules._request_path import resolved


def made_by(ctx: FileContext, expr: cst.BaseExpression, self_attr: str, makers: frozenset[str]) -> bool:
    """`self.<self_attr>`, a call of one of `makers` (qualified names), or a name bound only to such a call."""
    if isinstance(expr, cst.Attribute):
        return (
            isinstance(expr.value, cst.Name) and expr.value.value == "self" and expr.attr.value == self_attr
        )
    if isinstance(expr, cst.Call):
        return resolved(ctx, expr.func) in makers
    if isinstance(expr, cst.Name):
        found = ctx.scope.lookup(expr.value)
        return found is not None and all(
            isinstance(binding, ValueBinding)
            and isinstance(binding.node, cst.Call)
            and made_by(ctx, binding.node, self_attr, makers)
            for binding in found[1]
        )
    return False


def method_owner(ctx: FileContext) -> str | None:
    """The qualified name of the module-level class whose method holds the visited code, else None."""
    function = ctx.scope.function
    owner = function.parent if function is not None else None
    if (
        owner is None
        or not isinstance(owner.node, cst.ClassDef)
        or owner.parent is None
        or owner.parent.parent
    ):
        return None
    return f"{ctx.module_name}.{owner.node.name.value}"
