"""What every output format is handed besides the findings."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.fixes import AddImport, RemoveImport, Safety, TextEdit, apply_fixes
from asyncdj_lint.sources import source_lines


def lines_on_disk(path: str) -> list[str]:
    """A file's lines read afresh (a run's own are in `LintResult.source_lines`)."""
    try:
        return source_lines(Path(path).read_bytes())
    except OSError:
        return []


@dataclass(frozen=True)
class Rendering:
    """What a format may use besides the findings: colour, the source they point into, the project root."""

    colour: bool = False
    # path as reported -> that file's lines (stdin's text for `--stdin-filename`)
    source_lines: Callable[[str], list[str]] = field(default=lines_on_disk)
    root: Path | None = None
    # Whether this run would apply a finding's fix (marked `[*]`): by default, its safe fixes.
    applicable: Callable[[Diagnostic], bool] = field(default=lambda d: _safe_fix(d))


def _safe_fix(d: Diagnostic) -> bool:
    return d.fix is not None and d.fix.safety is Safety.SAFE


@dataclass(frozen=True, order=True)
class ConcreteEdit:
    """A fix's edit as text positions: lines and columns from 1, the end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


def concrete_edits(d: Diagnostic, source_lines: Callable[[str], list[str]]) -> list[ConcreteEdit]:
    """The edits of the finding's fix as replacements of text.

    A fix that adds or removes imports is applied to the file's text, and the
    lines it changes are given as whole-line replacements.
    """
    fix = d.fix
    if fix is None:
        return []
    if not any(isinstance(edit, (AddImport, RemoveImport)) for edit in fix.edits):
        return sorted(
            ConcreteEdit(
                e.span.start_line, e.span.start_column + 1, e.span.end_line, e.span.end_column + 1, e.text
            )
            for e in fix.edits
            if isinstance(e, TextEdit)
        )
    before = [line + "\n" for line in source_lines(d.path)]
    after = apply_fixes("".join(before), [fix]).source.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return [
        ConcreteEdit(i1 + 1, 1, i2 + 1, 1, "".join(after[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


PLAIN = Rendering()
Formatter = Callable[[Sequence[Diagnostic], Rendering], str]
