"""GitLab Code Quality: a JSON array of issues in the format of GitLab's code quality report.

Each issue has exactly the fields GitLab reads: `description`, `check_name`,
`fingerprint`, `severity` and `location` (`path`, `lines.begin`). The path is
relative to `CI_PROJECT_DIR` when GitLab sets it, so the merge request widget
finds the file; the fingerprint is the baseline's, stable when lines move.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from asyncdj_lint.baseline import fingerprints
from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.formats.rendering import PLAIN, Rendering

# GitLab's scale: info, minor, major, critical, blocker
SEVERITIES = {"error": "critical", "warning": "major", "advisory": "info"}


def render(diagnostics: Sequence[Diagnostic], rendering: Rendering = PLAIN) -> str:
    base = os.environ.get("CI_PROJECT_DIR")
    issues = [
        {
            "description": f"{d.code} {d.message}",
            "check_name": d.code,
            "fingerprint": fingerprint,
            "severity": SEVERITIES.get(d.severity, "major"),
            "location": {"path": _path(d.path, base), "lines": {"begin": d.line}},
        }
        for d, fingerprint in zip(
            diagnostics, fingerprints(diagnostics, rendering.source_lines, rendering.root)
        )
    ]
    return json.dumps(issues, indent=2) + "\n"


def _path(path: str, base: str | None) -> str:
    if base:
        absolute, folder = Path(path).resolve(), Path(base).resolve()
        if absolute.is_relative_to(folder):
            return absolute.relative_to(folder).as_posix()
    return Path(path).as_posix()
