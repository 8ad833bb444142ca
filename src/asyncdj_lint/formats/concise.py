"""`path:line:col: CODE message`, one line per finding, as ruff's concise format."""

from __future__ import annotations

from collections.abc import Sequence

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.formats.rendering import PLAIN, Rendering


def render(diagnostics: Sequence[Diagnostic], rendering: Rendering = PLAIN) -> str:
    return "".join(
        f"{d.path}:{d.line}:{d.column}: {d.code} {'[*] ' if rendering.applicable(d) else ''}{d.message}\n"
        for d in diagnostics
    )
