"""Shared pieces of the relation rules (ADJ2xx)."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.syntax.walk import Visitor, walk

_PREFETCHERS = frozenset(
    {
        "django.db.models.prefetch_related_objects",
        "django.db.models.query.prefetch_related_objects",
        "django.db.models.aprefetch_related_objects",
        "django.db.models.query.aprefetch_related_objects",
    }
)


def is_write_target(ctx: FileContext, node: cst.Attribute) -> bool:
    """Whether the attribute is assigned or deleted here rather than read."""
    parent = ctx.parent()
    if isinstance(parent, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
        return parent.target is node
    return isinstance(parent, cst.Del)


def relation_cached_in_scope(ctx: FileContext, owner: cst.BaseExpression, attr: str) -> bool:
    """Whether the function assigns `owner.attr`, or hands `owner` to prefetch_related_objects
    or to code run in a thread (`sync_to_async(lambda: order.customer)()`).

    Each may fill the relation's cache; the analysis is not flow-sensitive, so
    any such statement in the function keeps the relation from being reported.
    """
    function = ctx.scope.function
    if not isinstance(owner, cst.Name) or function is None:
        return False
    finder = _CacheFiller(ctx, owner.value, attr)
    walk(function.node, finder)
    return finder.found


class _CacheFiller(Visitor):
    def __init__(self, ctx: FileContext, name: str, attr: str) -> None:
        self.ctx = ctx
        self.name = name
        self.attr = attr
        self.found = False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if (
            isinstance(target, cst.Attribute)
            and target.attr.value == self.attr
            and isinstance(target.value, cst.Name)
            and target.value.value == self.name
        ):
            self.found = True

    def visit_Call(self, node: cst.Call) -> None:
        fills = getattr(self.ctx.infer(node.func), "qualname", None) in _PREFETCHERS
        if not (fills or self.ctx.is_bridge_call(node) or self.ctx.is_bridge_call(node.func)):
            return
        mentions = _NameFinder(self.name)
        for arg in node.args:
            walk(arg, mentions)
        self.found = self.found or mentions.found


class _NameFinder(Visitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        self.found = self.found or node.value == self.name
