"""A read-only tree walk over LibCST nodes, several times faster than `node.visit()`.

LibCST's visitor rebuilds every node it passes (it is built for transforms);
reading needs none of that. This walk follows each node type's dataclass
fields, skipping whitespace, punctuation and operators, which no rule reads
by walking.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache

import libcst as cst

_SKIPPED_FIELDS = frozenset(
    {
        "lpar", "rpar", "comma", "semicolon", "header", "footer", "leading_lines",
        "lines_after_decorators", "trailing_whitespace", "newline", "operator", "dot",
        "colon", "equal", "star", "lbracket", "rbracket", "lbrace", "rbrace", "asynchronous",
        "whitespace", "default_indent", "default_newline", "encoding",
    }
)  # fmt: skip


@cache
def _child_fields(node_type: type) -> tuple[str, ...]:
    return tuple(
        field.name
        for field in dataclasses.fields(node_type)
        if field.name not in _SKIPPED_FIELDS and not field.name.startswith("whitespace")
    )


_NODE, _SEQUENCE, _OTHER = 1, 2, 3  # all true: a cached kind is never looked up again
# Exact type -> what a field value of that type is; `isinstance` against LibCST's abstract
# node class goes through ABCMeta on every call, a dictionary lookup does not.
_KINDS: dict[type, int] = {}


def _kind(value_type: type) -> int:
    kind = _KINDS.get(value_type)
    if kind is None:
        if issubclass(value_type, cst.CSTNode):
            kind = _NODE
        elif issubclass(value_type, (list, tuple)):
            kind = _SEQUENCE
        else:
            kind = _OTHER
        _KINDS[value_type] = kind
    return kind


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        kind = _KINDS.get(type(value)) or _kind(type(value))
        if kind == _NODE:
            yield value
        elif kind == _SEQUENCE:
            for item in value:
                if (_KINDS.get(type(item)) or _kind(type(item))) == _NODE:
                    yield item


class Visitor:
    """`visit_<NodeType>(node)` methods, as in LibCST; returning False skips the children."""

    def on_visit(self, node: cst.CSTNode) -> bool:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        return method is None or method(node) is not False

    def on_leave(self, node: cst.CSTNode) -> None:
        """Called after a node's children; nothing by default."""


class FunctionBodyVisitor(Visitor):
    """Visits one function's own body: not the functions, lambdas and classes nested in it."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def walk(root: cst.CSTNode, visitor: Visitor) -> None:
    """Depth-first, without recursion: deeply nested code cannot exhaust the stack."""
    # None on `stack` marks where the innermost node on `entered` is left.
    stack: list[cst.CSTNode | None] = [root]
    entered: list[cst.CSTNode] = []
    while stack:
        item = stack.pop()
        if item is None:
            visitor.on_leave(entered.pop())
            continue
        if visitor.on_visit(item):
            entered.append(item)
            stack.append(None)
            stack.extend(reversed(list(children(item))))
        else:
            visitor.on_leave(item)
