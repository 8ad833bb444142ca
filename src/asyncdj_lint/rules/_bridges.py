"""Shared pieces of the bridge rules (ADJ4xx): which calls are sync_to_async and async_to_sync."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import callee_name
from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.facts import bridges
from asyncdj_lint.syntax.names import called_name


def is_sync_to_async(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """`sync_to_async(...)` or channels' `database_sync_to_async(...)`, resolved through imports."""
    return _calls_one_of(ctx, expr, bridges.SYNC_TO_ASYNC)


def is_async_to_sync(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    return _calls_one_of(ctx, expr, bridges.ASYNC_TO_SYNC)


def _calls_one_of(ctx: FileContext, expr: cst.BaseExpression, qualnames: frozenset[str]) -> bool:
    # Resolving a callee costs an inference; first rule out calls whose name
    # is neither a bridge's own name nor a module-level alias of one.
    if not isinstance(expr, cst.Call):
        return False
    if called_name(expr) not in ctx.local_names(qualnames):
        return False
    return callee_name(ctx, expr) in qualnames


def bridge_name(call: cst.Call) -> str:
    """The name the bridge is called by in the source (`sync_to_async`, `database_sync_to_async`)."""
    return called_name(call) or "sync_to_async"
