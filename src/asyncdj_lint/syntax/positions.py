"""Where nodes are in their module: LibCST's syntactic positions, for a fraction of the cost.

`PositionProvider` builds a line and a column for every node while generating
the module's code, splitting every token on newlines; a module with one
finding paid for all of them. This generation keeps character offsets only
(one addition per token), and turns an offset into a line and a column when a
position is asked for. The ranges are PositionProvider's, node for node
(tests/test_syntax.py compares them).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange

_NEWLINE = re.compile(r"\r\n?|\n")


def syntactic_positions(module: cst.Module) -> Positions:
    """Each node's range, as LibCST's PositionProvider gives it."""
    state = _OffsetState(module.default_indent, module.default_newline)
    module._codegen(state)
    text = "".join(state.tokens) + state.popped
    return Positions(state.spans, [0, *(found.end() for found in _NEWLINE.finditer(text))])


class Positions(Mapping[cst.CSTNode, CodeRange]):
    """Node -> range; each range is made when it is asked for."""

    def __init__(self, spans: dict[cst.CSTNode, tuple[int, int]], line_starts: list[int]) -> None:
        self._spans = spans
        self._line_starts = line_starts

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        start, end = self._spans[node]
        return CodeRange(self._position(start), self._position(end))

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def _position(self, offset: int) -> CodePosition:
        line = bisect_right(self._line_starts, offset)
        return CodePosition(line, offset - self._line_starts[line - 1])


@dataclass
class _OffsetState(CodegenState):
    """Code generation that records each node's (start, end) character offsets: syntactic ones
    where the node reports them, else the whole node's, as PositionProvider does."""

    spans: dict[cst.CSTNode, tuple[int, int]] = field(default_factory=dict)
    offset: int = 0
    # The module's last newline, which generation drops after positions counted it.
    popped: str = ""
    _starts: list[int] = field(default_factory=list)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        if node not in self.spans:  # a syntactic range recorded inside wins
            self.spans[node] = (start, self.offset)

    def pop_trailing_newline(self) -> None:
        if self.tokens:
            self.popped = self.tokens.pop()

    def record_syntactic_position(  # type: ignore[override]  # a context manager all the same
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> _Syntactic:
        return _Syntactic(self, node, start_node, end_node)


class _Syntactic:
    """`with state.record_syntactic_position(node)`: the range of what generates inside, or
    from `start_node`'s start to `end_node`'s end when given (both generated inside)."""

    __slots__ = ("end_node", "node", "start", "start_node", "state")

    def __init__(
        self,
        state: _OffsetState,
        node: cst.CSTNode,
        start_node: cst.CSTNode | None,
        end_node: cst.CSTNode | None,
    ) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node
        self.start = 0

    def __enter__(self) -> None:
        self.start = self.state.offset

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        spans = self.state.spans
        start = spans[self.start_node][0] if self.start_node is not None else self.start
        end = spans[self.end_node][1] if self.end_node is not None else self.state.offset
        spans[self.node] = (start, end)
