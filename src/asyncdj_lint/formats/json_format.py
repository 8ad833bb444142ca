"""A JSON array of findings; the schema is documented in README.md and never narrows."""

from __future__ import annotations

import json
from collections.abc import Sequence

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.formats.rendering import PLAIN, Rendering


def render(diagnostics: Sequence[Diagnostic], rendering: Rendering = PLAIN) -> str:
    return json.dumps([d.to_dict() for d in diagnostics], indent=2) + "\n"
