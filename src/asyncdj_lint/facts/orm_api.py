"""Django's QuerySet, Manager and Model APIs, as the facts sheet lists them."""

from __future__ import annotations

import ast

# Methods that build a new QuerySet without running SQL.
LAZY_METHODS = frozenset(
    {
        "all", "filter", "exclude", "complex_filter", "order_by", "reverse", "distinct",
        "values", "values_list", "dates", "datetimes", "annotate", "alias",
        "select_related", "prefetch_related", "only", "defer", "using", "extra", "none",
        "union", "intersection", "difference", "select_for_update", "fetch_mode",
        "get_queryset",
    }
)  # fmt: skip

# Methods that run SQL before they return, with their async twins (Django 4.1+).
BLOCKING_METHODS = {
    name: "a" + name
    for name in (
        "get", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update",
        "count", "in_bulk", "exists", "contains", "update", "delete", "explain", "aggregate",
        "first", "last", "earliest", "latest",
    )
}  # fmt: skip
ASYNC_METHODS = {async_name: sync for sync, async_name in BLOCKING_METHODS.items()}

# Methods returning one model instance (or a tuple holding one first).
INSTANCE_METHODS = frozenset({"get", "create", "first", "last", "earliest", "latest"})
INSTANCE_TUPLE_METHODS = frozenset({"get_or_create", "update_or_create"})

# `delete` exists on QuerySets only: `Model.objects.adelete()` raises AttributeError.
QUERYSET_ONLY_METHODS = frozenset({"delete", "adelete"})

# Model instance methods that query, with their async twins (Django 4.2+).
INSTANCE_BLOCKING_METHODS = {
    "save": "asave",
    "delete": "adelete",
    "refresh_from_db": "arefresh_from_db",
}
INSTANCE_ASYNC_METHODS = {a: s for s, a in INSTANCE_BLOCKING_METHODS.items()}

# Rows that iterating a QuerySet yields, by the last row-shaping method called.
ROW_SHAPES = {"values": "dict", "values_list": "tuple", "dates": "date", "datetimes": "datetime"}


def self_chain_kind(expr: ast.expr) -> tuple[str, str | None]:
    """Classifies a method-call chain rooted at `self` or `super()` in a Manager/QuerySet.

    Returns ("queryset", None) for a lazy chain (`self.filter(...)`), ("sql",
    None) when its last call runs SQL (`self.order_by("x").first()`), ("via",
    name) when it returns another method's result as is (`self.available()`),
    else ("unknown", None). Read from `ast` nodes (module summaries are).
    """
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)):
        return "unknown", None
    method = expr.func.attr
    receiver = expr.func.value
    if not _rooted_at_self(receiver):
        return "unknown", None
    if method in BLOCKING_METHODS:
        return "sql", None
    if method in LAZY_METHODS:
        return "queryset", None
    if _is_self(receiver):
        return "via", method
    return "unknown", None


def _rooted_at_self(expr: ast.expr) -> bool:
    while True:
        if _is_self(expr):
            return True
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            expr = expr.func.value
        else:
            return False


def _is_self(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Name):
        return expr.id == "self"
    return isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "super"
