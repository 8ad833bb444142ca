"""Model field declarations, as written in one class body (part of a file's summary)."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.names import dotted_name


@dataclass(frozen=True)
class FieldDecl:
    """`customer = models.ForeignKey("shop.Customer", related_name="orders", ...)`.

    `factory` is the callee as written; `target` the first argument (or `to=`)
    as written, with `target_is_string` for a string reference ("app.Model",
    "Model", "self"). The keyword values are kept only when they are literals.
    """

    attr: str
    factory: str
    target: str | None = None
    target_is_string: bool = False
    related_name: str | None = None
    related_query_name: str | None = None
    null: bool = False
    primary_key: bool = False


def attribute_calls(statement: cst.SimpleStatementLine) -> list[tuple[str, cst.Call]]:
    """The `name = callee(...)` (or `name: T = callee(...)`) assignments of one class-body line."""
    found = []
    for small in statement.body:
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target, value = small.targets[0].target, small.value
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            target, value = small.target, small.value
        else:
            continue
        if isinstance(target, cst.Name) and isinstance(value, cst.Call):
            found.append((target.value, value))
    return found


def field_decls(statement: cst.SimpleStatementLine) -> list[FieldDecl]:
    """The `name = SomeField(...)` assignments of one class-body line."""
    return [
        _field_decl(attr, factory, call)
        for attr, call in attribute_calls(statement)
        if (factory := dotted_name(call.func)) is not None
    ]


def _field_decl(attr: str, factory: str, call: cst.Call) -> FieldDecl:
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    target_expr = keywords.get("to", positional[0] if positional else None)
    text = string_value(target_expr) if target_expr is not None else None
    target = text if text is not None else (dotted_name(target_expr) if target_expr is not None else None)
    return FieldDecl(
        attr=attr,
        factory=factory,
        target=target,
        target_is_string=text is not None,
        related_name=_string_keyword(keywords, "related_name"),
        related_query_name=_string_keyword(keywords, "related_query_name"),
        null=_is_true(keywords.get("null")),
        primary_key=_is_true(keywords.get("primary_key")),
    )


def _string_keyword(keywords: dict[str, cst.BaseExpression], name: str) -> str | None:
    return string_value(keywords.get(name))


def _is_true(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def string_constants(statement: cst.SimpleStatementLine) -> list[tuple[str, str]]:
    """`name = "shop"` class attributes (an AppConfig's `name` and `label`)."""
    found = []
    for small in statement.body:
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
        ):
            value = string_value(small.value)
            if value is not None:
                found.append((small.targets[0].target.value, value))
    return found
