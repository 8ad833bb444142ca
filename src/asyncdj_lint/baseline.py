"""A baseline: the findings a codebase had when it adopted the tool, so that only new ones are reported.

A finding's fingerprint is a hash of its code, its file (relative to the
project root), the text of its source line with whitespace collapsed, and its
occurrence index among findings that share those three. It holds no line
number, so code added or removed above a finding leaves it recognised; editing
the line itself, or moving it to another file, makes it new.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from asyncdj_lint.diagnostics import Diagnostic

VERSION = 1
SourceLines = Callable[[str], list[str]]


class BaselineError(Exception):
    """A baseline file that cannot be read."""


def fingerprints(
    diagnostics: Sequence[Diagnostic], source_lines: SourceLines, root: Path | None
) -> list[str]:
    """Each finding's fingerprint, in the order given."""
    seen: Counter[tuple[str, str, str]] = Counter()
    keyed = {}
    for d in sorted(diagnostics):
        lines = source_lines(d.path)
        text = " ".join(lines[d.line - 1].split()) if 0 < d.line <= len(lines) else ""
        key = (d.code, _relative(d.path, root), text)
        keyed[d] = hashlib.sha256("\0".join((*key, str(seen[key]))).encode()).hexdigest()[:20]
        seen[key] += 1
    return [keyed[d] for d in diagnostics]


def _relative(path: str, root: Path | None) -> str:
    absolute = Path(path).resolve()
    if root is not None and absolute.is_relative_to(root.resolve()):
        return absolute.relative_to(root.resolve()).as_posix()
    return Path(path).as_posix()


def write(
    file: Path, diagnostics: Sequence[Diagnostic], source_lines: SourceLines, root: Path | None
) -> None:
    """Records the findings; `line` and `message` are for people reading the file, not for matching."""
    entries = [
        {
            "fingerprint": fingerprint,
            "code": d.code,
            "path": _relative(d.path, root),
            "line": d.line,
            "message": d.message,
        }
        for d, fingerprint in zip(diagnostics, fingerprints(diagnostics, source_lines, root))
    ]
    document = {"asyncdj-lint-baseline": VERSION, "findings": entries}
    try:
        file.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"{file}: cannot write the baseline: {error.strerror}") from None


def new_findings(
    file: Path, diagnostics: Sequence[Diagnostic], source_lines: SourceLines, root: Path | None
) -> list[Diagnostic]:
    known = Counter(_read(file))
    new = []
    for d, fingerprint in zip(diagnostics, fingerprints(diagnostics, source_lines, root)):
        if known[fingerprint]:
            known[fingerprint] -= 1
        else:
            new.append(d)
    return new


def _read(file: Path) -> list[str]:
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BaselineError(f"{file}: cannot read the baseline: {error}") from None
    if not isinstance(document, dict) or document.get("asyncdj-lint-baseline") != VERSION:
        raise BaselineError(
            f"{file}: not an asyncdj-lint baseline (version {VERSION}); write one with --write-baseline"
        )
    findings = document.get("findings", [])
    entries: list[object] = findings if isinstance(findings, list) else [None]
    found = [entry.get("fingerprint") if isinstance(entry, dict) else None for entry in entries]
    fingerprints = [fingerprint for fingerprint in found if isinstance(fingerprint, str)]
    if len(fingerprints) != len(found):
        raise BaselineError(
            f"{file}: a finding without a fingerprint; write the baseline again with --write-baseline"
        )
    return fingerprints
