"""Each finding with the source line it points at and a caret under the span, as ruff's full format."""

from __future__ import annotations

from collections.abc import Sequence

import click

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.formats.rendering import PLAIN, Rendering
from asyncdj_lint.terminal import SEVERITY_COLOURS


def render(diagnostics: Sequence[Diagnostic], rendering: Rendering = PLAIN) -> str:
    return "".join(_finding(d, rendering) for d in diagnostics)


def _finding(d: Diagnostic, rendering: Rendering) -> str:
    def style(text: str, fg: str | None = None, bold: bool | None = None, dim: bool | None = None) -> str:
        return click.style(text, fg=fg, bold=bold, dim=dim) if rendering.colour else text

    location = style(f"{d.path}:{d.line}:{d.column}:", bold=True)
    code = style(d.code, fg=SEVERITY_COLOURS.get(d.severity), bold=True)
    mark = "[*] " if rendering.applicable(d) else ""
    out = [f"{location} {code} {mark}[{d.severity}] {d.message}"]
    lines = rendering.source_lines(d.path)
    if 0 < d.line <= len(lines):
        text = lines[d.line - 1].expandtabs(1)
        gutter = " " * len(str(d.line))
        end = d.end_column if d.end_line == d.line and d.end_column > d.column else len(text.rstrip()) + 1
        carets = "^" * max(1, end - d.column)
        out += [
            style(f"{gutter} |", fg="blue"),
            style(f"{d.line} |", fg="blue") + f" {text}",
            style(f"{gutter} |", fg="blue")
            + " " * d.column
            + style(carets, fg=SEVERITY_COLOURS.get(d.severity)),
        ]
    out.append(style(f"{' ' * len(str(d.line))} = help: asyncdj-lint rule {d.code}", dim=True))
    if d.fix is not None:
        out.append(style(f"{' ' * len(str(d.line))} = fix ({d.fix.safety.value}): {d.fix.title}", dim=True))
    return "\n".join(out) + "\n\n"
