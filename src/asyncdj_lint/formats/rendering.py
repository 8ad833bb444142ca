"""What every output format is handed besides the findings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.lines import split_lines


def lines_on_disk(path: str) -> list[str]:
    try:
        return split_lines(Path(path).read_bytes().decode("utf-8", errors="replace"))
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
