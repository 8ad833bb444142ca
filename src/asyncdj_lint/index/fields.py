"""Model field declarations, as written in one class body (part of a file's summary, read with `ast`)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from asyncdj_lint.syntax.ast_names import dotted_name, is_true, string_value


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


def attribute_calls(statement: ast.stmt) -> list[tuple[str, ast.Call]]:
    """The `name = callee(...)` (or `name: T = callee(...)`) assignment a class-body statement is."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0], statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target, value = statement.target, statement.value
    else:
        return []
    if isinstance(target, ast.Name) and isinstance(value, ast.Call):
        return [(target.id, value)]
    return []


def field_decls(statement: ast.stmt) -> list[FieldDecl]:
    """The `name = SomeField(...)` assignment a class-body statement is."""
    return [
        _field_decl(attr, factory, call)
        for attr, call in attribute_calls(statement)
        if (factory := dotted_name(call.func)) is not None
    ]


def _field_decl(attr: str, factory: str, call: ast.Call) -> FieldDecl:
    keywords = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg is not None}
    positional = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
    target_expr = keywords.get("to", positional[0] if positional else None)
    text = string_value(target_expr)
    target = text if text is not None else (dotted_name(target_expr) if target_expr is not None else None)
    return FieldDecl(
        attr=attr,
        factory=factory,
        target=target,
        target_is_string=text is not None,
        related_name=string_value(keywords.get("related_name")),
        related_query_name=string_value(keywords.get("related_query_name")),
        null=is_true(keywords.get("null")),
        primary_key=is_true(keywords.get("primary_key")),
    )


def string_constants(statement: ast.stmt) -> list[tuple[str, str]]:
    """`name = "shop"` class attributes (an AppConfig's `name` and `label`)."""
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        value = string_value(statement.value)
        if value is not None:
            return [(statement.targets[0].id, value)]
    return []
