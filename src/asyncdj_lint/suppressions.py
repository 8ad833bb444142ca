"""Findings dropped by configuration: `per-file-ignores`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.workspace import matches_any


def drop_per_file_ignores(
    diagnostics: Iterable[Diagnostic],
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...],
    root: Path | None,
) -> list[Diagnostic]:
    kept = []
    for diagnostic in diagnostics:
        ignored = (
            codes for glob, codes in per_file_ignores if matches_any(Path(diagnostic.path), (glob,), root)
        )
        if not any(diagnostic.code.startswith(code) for group in ignored for code in group):
            kept.append(diagnostic)
    return kept
