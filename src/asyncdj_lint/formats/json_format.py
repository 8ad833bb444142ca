"""A JSON array of findings; the schema is documented in README.md and never narrows."""

from __future__ import annotations

import json
from collections.abc import Sequence

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.formats.rendering import PLAIN, Rendering, concrete_edits


def render(diagnostics: Sequence[Diagnostic], rendering: Rendering = PLAIN) -> str:
    return json.dumps([_finding(d, rendering) for d in diagnostics], indent=2) + "\n"


def _finding(d: Diagnostic, rendering: Rendering) -> dict[str, object]:
    """The finding's keys, and `fix`: null, or its title, safety and edits (ruff's shape)."""
    found = d.to_dict()
    if d.fix is None:
        found["fix"] = None
        return found
    found["fix"] = {
        "message": d.fix.title,
        "applicability": d.fix.safety.value,
        "edits": [
            {
                "location": {"row": e.line, "column": e.column},
                "end_location": {"row": e.end_line, "column": e.end_column},
                "content": e.content,
            }
            for e in concrete_edits(d, rendering.source_lines)
        ],
    }
    return found
