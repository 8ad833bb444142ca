"""Shared by the rules on unawaited coroutines (ADJ105, ADJ108): whether a coroutine is used."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.scopes import FunctionNode
from asyncdj_lint.syntax.walk import Visitor, walk


def coroutine_consumed(function: FunctionNode, name: str) -> bool:
    """Whether a name holding a coroutine is ever used other than by attribute access.

    Awaiting it, passing it to a call (asyncio.gather, create_task), returning
    or storing it all count: only a coroutine that is plainly dropped or used as
    if it were the result is reported.
    """
    finder = _UseFinder(name)
    walk(function.body, finder)
    return finder.consumed


class _UseFinder(Visitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.consumed = False
        self._parents: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name) and node.value == self.name and self._parents:
            parent = self._parents[-1]
            as_result = isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is node
            not_a_use = (
                isinstance(parent, cst.AssignTarget)
                or (isinstance(parent, cst.Attribute) and parent.attr is node)
                or (isinstance(parent, cst.Arg) and parent.keyword is node)
            )
            if not (as_result or not_a_use):
                self.consumed = True
        self._parents.append(node)
        return not self.consumed

    def on_leave(self, node: cst.CSTNode) -> None:
        self._parents.pop()
