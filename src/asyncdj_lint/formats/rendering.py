"""What every output format is handed besides the findings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asyncdj_lint.diagnostics import Diagnostic
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


PLAIN = Rendering()
Formatter = Callable[[Sequence[Diagnostic], Rendering], str]
