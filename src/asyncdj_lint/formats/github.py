"""GitHub Actions workflow commands: one annotation per finding on the pull request's diff."""

from __future__ import annotations

from collections.abc import Sequence

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.formats.rendering import PLAIN, Rendering

# advisory findings are notices: they never fail a check on their own
_LEVELS = {"error": "error", "warning": "warning", "advisory": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics: Sequence[Diagnostic], rendering: Rendering = PLAIN) -> str:
    lines = []
    for d in diagnostics:
        properties = [f"file={_escape_property(d.path)}", f"line={d.line}", f"col={d.column}"]
        if d.end_line:
            properties += [f"endLine={d.end_line}", f"endColumn={d.end_column}"]
        properties.append(f"title={_escape_property(d.code)}")
        lines.append(
            f"::{_LEVELS.get(d.severity, 'error')} {','.join(properties)}::{_escape_data(d.message)}\n"
        )
    return "".join(lines)
