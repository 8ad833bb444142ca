"""SARIF 2.1.0, the format GitHub code scanning reads (`github/codeql-action/upload-sarif`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from asyncdj_lint import __version__
from asyncdj_lint.baseline import fingerprints
from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.docs import rule_page
from asyncdj_lint.formats.rendering import PLAIN, Rendering, concrete_edits
from asyncdj_lint.rules import all_rules
from asyncdj_lint.rules.base import Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "advisory": "note"}


def render(diagnostics: Sequence[Diagnostic], rendering: Rendering = PLAIN) -> str:
    rules = all_rules()
    rule_index = {rule.code: i for i, rule in enumerate(rules)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "asyncdj-lint",
                        "version": __version__,
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [
                    _result(d, rule_index, fingerprint, rendering)
                    for d, fingerprint in zip(
                        diagnostics, fingerprints(diagnostics, rendering.source_lines, rendering.root)
                    )
                ],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _rule(rule: type[Rule]) -> dict[str, object]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": rule.summary, "markdown": rule_page(rule)},
        "defaultConfiguration": {"level": _LEVELS[rule.severity.value]},
        "properties": {"tags": [rule.severity.value], "django_versions": rule.django_versions},
    }


def _result(
    d: Diagnostic, rule_index: dict[str, int], fingerprint: str, rendering: Rendering
) -> dict[str, object]:
    region = {"startLine": d.line, "startColumn": d.column}
    if d.end_line:
        region.update(endLine=d.end_line, endColumn=d.end_column)
    result: dict[str, object] = {
        "ruleId": d.code,
        "level": _LEVELS.get(d.severity, "error"),
        "message": {"text": d.message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(d.path)}, "region": region}}],
        # The baseline's fingerprint: code scanning keeps tracking an alert when lines shift above it.
        "partialFingerprints": {"asyncdjLint/v1": fingerprint},
    }
    if d.code in rule_index:
        result["ruleIndex"] = rule_index[d.code]
    fix = _fix(d, rendering)
    if fix is not None:
        result["fixes"] = [fix]
    return result


def _fix(d: Diagnostic, rendering: Rendering) -> dict[str, object] | None:
    """SARIF's `fix`: one artifactChange with a replacement per edit (an empty region inserts)."""
    if d.fix is None:
        return None
    replacements = [
        {
            "deletedRegion": {
                "startLine": e.line,
                "startColumn": e.column,
                "endLine": e.end_line,
                "endColumn": e.end_column,
            },
            "insertedContent": {"text": e.content},
        }
        for e in concrete_edits(d, rendering.source_lines)
    ]
    if not replacements:
        return None
    return {
        "description": {"text": f"{d.fix.title} ({d.fix.safety.value})"},
        "artifactChanges": [{"artifactLocation": {"uri": _uri(d.path)}, "replacements": replacements}],
    }


def _uri(path: str) -> str:
    """A relative path stays relative (GitHub resolves it against the checkout); an absolute one is a file URI."""
    as_path = Path(path)
    if as_path.is_absolute():
        return as_path.as_uri()
    return quote(as_path.as_posix())
