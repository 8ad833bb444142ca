"""Shared pieces of the template rendering rules (ADJ505, ADJ506)."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint import parse_guard
from asyncdj_lint.analysis.calls import argument, bound_values, callee_name
from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.values import ORM_LAZY

# Functions that render a template where they are called, with the position of their context argument.
RENDERERS = {
    "django.shortcuts.render": 2,
    "django.template.loader.render_to_string": 1,
}


def render_call(ctx: FileContext, call: cst.Call) -> str | None:
    """The short name of the renderer `call` calls on the event loop (`render`), or None."""
    if not ctx.on_loop:
        return None
    name = callee_name(ctx, call)
    return name.rsplit(".", 1)[1] if name in RENDERERS else None


def lazy_context_keys(ctx: FileContext, call: cst.Call) -> list[str]:
    """Keys of the context dict whose values are QuerySets or managers, known to query when rendered."""
    name = callee_name(ctx, call)
    context = argument(call, RENDERERS[name], "context") if name in RENDERERS else None
    if context is None:
        return []
    keys = []
    for value, scope in bound_values(ctx, context):
        for key, item in _dict_items(value):
            if isinstance(ctx.inference.infer(item, scope), ORM_LAZY):
                keys.append(key)
    return keys


def _dict_items(expr: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]]:
    """`{"a": x}` and `dict(a=x)` -> [("a", x)]; other keys are shown as their source."""
    if isinstance(expr, cst.Dict):
        return [
            (_key_text(element.key), element.value)
            for element in expr.elements
            if isinstance(element, cst.DictElement)
        ]
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "dict":
        return [(arg.keyword.value, arg.value) for arg in expr.args if arg.keyword is not None]
    return []


def _key_text(key: cst.BaseExpression) -> str:
    if isinstance(key, cst.SimpleString):
        value = parse_guard.literal_value(key)
        return value if isinstance(value, str) else "..."
    return "..."
