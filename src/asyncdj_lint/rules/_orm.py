"""Shared pieces of the ORM rules (ADJ1xx)."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis import loading
from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.values import ORM_LAZY, Manager, QuerySet, RelatedManager

# Related manager methods that write through the relation; ADJ202 reports them.
RELATED_WRITES = frozenset({"add", "remove", "set", "clear", "create", "get_or_create", "update_or_create"})


def orm_receiver(ctx: FileContext, call: cst.Call) -> tuple[Manager | QuerySet, str] | None:
    """For `<manager or QuerySet>.method(...)` that may query: the receiver's value and the method name.

    Methods served from a prefetch cache, or whose cache state is unknown, and
    related managers' writes (their own rule) are left out.
    """
    if not isinstance(call.func, cst.Attribute):
        return None
    receiver = ctx.infer(call.func.value)
    method = call.func.attr.value
    if not isinstance(receiver, ORM_LAZY):
        return None
    if isinstance(receiver, RelatedManager):
        if (
            method in RELATED_WRITES
            or loading.related_method_result(receiver, method) is not loading.UNCACHED
        ):
            return None
    elif (
        isinstance(receiver, QuerySet)
        and loading.cached_method_result(receiver, method) is not loading.UNCACHED
    ):
        return None
    return receiver, method


def is_queryset(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """Whether `expr` is a QuerySet whose evaluation runs a query."""
    value = ctx.infer(expr)
    return isinstance(value, QuerySet) and not value.cached
