"""Fixes as data: what a rule proposes while it detects, and how a file's fixes are applied.

A rule builds a `Fix` from edits on the nodes it is looking at (replace a
node's source, insert text before or after it, add or remove an import) and
hands it to `report()`; it never changes the tree. The engine resolves the
nodes to source positions with the same position pass it runs for the
findings, giving a `ResolvedFix` that the `Diagnostic` carries. `apply_fixes`
is the one pure function that turns a file's source and its resolved fixes
into the fixed source: edits that overlap are left for a later round, and a
fix whose result does not parse is dropped.

This module sits at the bottom of the layers: it knows LibCST, nothing of the
rules, the analysis or the engine.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where a fix is applied: `--version` and cached runs need no LibCST
    import libcst as cst


class Safety(str, enum.Enum):
    """ruff's fix applicability, as the user chooses it on the command line."""

    SAFE = "safe"  # the fixed code does what the author meant, with the same behaviour
    UNSAFE = "unsafe"  # the fixed code changes where the work runs or what it loads


class FixAvailability(str, enum.Enum):
    """Whether a rule offers a fix: for every finding, for some, or never."""

    ALWAYS = "always"
    SOMETIMES = "sometimes"
    NONE = "none"


# What a rule proposes: edits on nodes of the tree it is walking.


@dataclass(frozen=True)
class Replace:
    """Replace the node's source, inside any parentheses of its own, with `text`."""

    node: cst.CSTNode
    text: str


@dataclass(frozen=True)
class InsertBefore:
    """Insert `text` just before the node's source."""

    node: cst.CSTNode
    text: str


@dataclass(frozen=True)
class InsertAfter:
    """Insert `text` just after the node's source."""

    node: cst.CSTNode
    text: str


@dataclass(frozen=True)
class RemoveLines:
    """Remove the whole lines the node stands on, their line break included (a decorator)."""

    node: cst.CSTNode


@dataclass(frozen=True)
class AddImport:
    """Make `from module import name` (`import module` without a name) present in the file, once."""

    module: str
    name: str | None = None


@dataclass(frozen=True)
class RemoveImport:
    """Remove `from module import name` (`import module`) if the fixed file no longer uses it."""

    module: str
    name: str | None = None


NodeEdit = Replace | InsertBefore | InsertAfter | RemoveLines | AddImport | RemoveImport


@dataclass(frozen=True, order=True)
class Span:
    """A source range as LibCST's PositionProvider gives it: lines from 1, columns from 0."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class TextEdit:
    """Replace the text in `span` with `text` (an insertion when the span is empty)."""

    span: Span
    text: str


Edit = TextEdit | AddImport | RemoveImport


@dataclass(frozen=True)
class ResolvedFix:
    """A fix whose edits point at source positions: what a `Diagnostic` carries."""

    title: str
    safety: Safety
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Fix:
    """What a rule proposes with a finding: a short title, its safety and its edits."""

    title: str
    safety: Safety
    edits: tuple[NodeEdit, ...]

    def resolve(self, span_of: Callable[[cst.CSTNode], Span | None]) -> ResolvedFix | None:
        """The fix with each node replaced by its span; None if a node has no position."""
        edits: list[Edit] = []
        for edit in self.edits:
            if isinstance(edit, (AddImport, RemoveImport)):
                edits.append(edit)
                continue
            span = span_of(edit.node)
            if span is None:
                return None
            if isinstance(edit, InsertBefore):
                span = Span(span.start_line, span.start_column, span.start_line, span.start_column)
            elif isinstance(edit, InsertAfter):
                span = Span(span.end_line, span.end_column, span.end_line, span.end_column)
            elif isinstance(edit, RemoveLines):
                edits.append(TextEdit(Span(span.start_line, 0, span.end_line + 1, 0), ""))
                continue
            edits.append(TextEdit(span, edit.text))
        return ResolvedFix(self.title, self.safety, tuple(edits))


@dataclass(frozen=True)
class FixResult:
    """The source after one round of fixes, and what happened to each fix."""

    source: str
    applied: tuple[ResolvedFix, ...]
    # Fixes whose text overlaps an applied one: apply them in a later round.
    remaining: tuple[ResolvedFix, ...]
    # Fixes whose result does not parse: never applied.
    dropped: tuple[ResolvedFix, ...]


# LibCST's line endings; str.splitlines() also splits on form feeds and the like.
_LINE_END = re.compile(r"\r\n|\r|\n")


def apply_fixes(source: str, fixes: Sequence[ResolvedFix]) -> FixResult:
    """Applies the fixes of one file whose text edits do not overlap, in one round.

    Fixes are taken in source order; one whose text overlaps a fix already
    taken is left for a later round. The result is parsed: a fix whose edits
    make the file unparsable is dropped, and the others are applied without it.
    """
    offsets = _line_offsets(source)
    taken: list[tuple[ResolvedFix, list[tuple[int, int, str]]]] = []
    remaining: list[ResolvedFix] = []
    claimed: list[tuple[int, int]] = []
    for fix in sorted(fixes, key=_first_position):
        edits = [_resolve(offsets, edit) for edit in fix.edits if isinstance(edit, TextEdit)]
        if any(_overlap((start, end), other) for start, end, _ in edits for other in claimed):
            remaining.append(fix)
            continue
        claimed.extend((start, end) for start, end, _ in edits)
        taken.append((fix, edits))
    fixed = _apply(source, taken)
    dropped: list[ResolvedFix] = []
    if fixed is None:
        # Keep each fix in turn only if the file still parses with it.
        kept: list[tuple[ResolvedFix, list[tuple[int, int, str]]]] = []
        for fix, edits in taken:
            if _apply(source, [*kept, (fix, edits)]) is None:
                dropped.append(fix)
            else:
                kept.append((fix, edits))
        taken = kept
        fixed = _apply(source, taken) or source
    return FixResult(fixed, tuple(fix for fix, _ in taken), tuple(remaining), tuple(dropped))


def _apply(source: str, taken: Sequence[tuple[ResolvedFix, list[tuple[int, int, str]]]]) -> str | None:
    """The source with these fixes' edits applied, or None when it does not parse."""
    edits = sorted((edit for _, fix_edits in taken for edit in fix_edits), key=lambda e: (e[0], e[1]))
    pieces: list[str] = []
    cursor = 0
    for start, end, text in edits:
        pieces += [source[cursor:start], text]
        cursor = end
    pieces.append(source[cursor:])
    text = "".join(pieces)
    import libcst as cst

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        return None
    imports = [edit for fix, _ in taken for edit in fix.edits if isinstance(edit, (AddImport, RemoveImport))]
    if not imports:
        return text
    # Imported here: LibCST's codemod package costs more to import than a lint run needs.
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

    context = CodemodContext()
    for edit in imports:
        if isinstance(edit, AddImport):
            AddImportsVisitor.add_needed_import(context, edit.module, edit.name)
    module = AddImportsVisitor(context).transform_module(module)
    for edit in imports:
        if isinstance(edit, RemoveImport):
            RemoveImportsVisitor.remove_unused_import(context, edit.module, edit.name)
    return _no_new_blank_top(module, RemoveImportsVisitor(context).transform_module(module)).code


def _no_new_blank_top(before: cst.Module, after: cst.Module) -> cst.Module:
    """Drops the blank lines that removing a file's first import leaves at its top."""
    import libcst as cst

    if not (before.body and after.body) or before.body[0].deep_equals(after.body[0]):
        return after
    first = after.body[0]
    if isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and not any(
        line.comment is None for line in before.body[0].leading_lines
    ):
        kept = list(first.leading_lines)
        while kept and kept[0].comment is None:
            kept.pop(0)
        first = first.with_changes(leading_lines=kept)
        return after.with_changes(body=[first, *after.body[1:]])
    return after


def _first_position(fix: ResolvedFix) -> tuple[int, int]:
    spans = [edit.span for edit in fix.edits if isinstance(edit, TextEdit)]
    first = min(spans, default=Span(0, 0, 0, 0))
    return first.start_line, first.start_column


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two edits touch the same text; an insertion at either end of a range counts."""
    if a[0] == a[1] or b[0] == b[1]:
        return a[0] <= b[1] and b[0] <= a[1]
    return a[0] < b[1] and b[0] < a[1]


def _line_offsets(source: str) -> list[int]:
    """The offset at which each line starts; line 1 at index 0."""
    return [0, *(match.end() for match in _LINE_END.finditer(source))]


def _resolve(offsets: list[int], edit: TextEdit) -> tuple[int, int, str]:
    span = edit.span
    start = offsets[span.start_line - 1] + span.start_column
    return start, offsets[span.end_line - 1] + span.end_column, edit.text
