"""Fixes on the golden fixture projects: the diff they make, and that fixing converges.

Each fixture project with an `expected.txt` (field_bugs is a recall corpus of
findings, not a project to fix, and has none) gets `expected.fix.diff`: the
output of `--diff --unsafe-fixes` from inside the project. Regenerate with
`ASYNCDJ_UPDATE_GOLDEN=1 pytest tests/test_fix_golden.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from asyncdj_lint.cli import main
from tests.test_golden import PROJECTS


def _run(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check", "--no-cache", *args, "."], catch_exceptions=False)
    return result.exit_code, result.stdout


def _python_sources(project: Path) -> dict[str, bytes]:
    return {str(p.relative_to(project)): p.read_bytes() for p in sorted(project.rglob("*.py"))}


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_fix_diff_matches_expected_and_writes_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _python_sources(project)
    exit_code, diff = _run(project, monkeypatch, "--diff", "--unsafe-fixes")
    assert _python_sources(project) == before
    expected_file = project / "expected.fix.diff"
    if os.environ.get("ASYNCDJ_UPDATE_GOLDEN"):
        expected_file.write_text(diff, encoding="utf-8")
    assert diff == expected_file.read_text(encoding="utf-8")
    assert exit_code == (1 if diff else 0)


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_fixing_a_copy_removes_the_fixed_findings_and_a_second_fix_changes_nothing(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / project.name
    shutil.copytree(project, copy)
    _, before = _run(copy, monkeypatch, "--output-format", "json", "--unsafe-fixes")
    fixable = [f for f in json.loads(before) if f["fix"] is not None and f["fix"]["edits"]]
    _run(copy, monkeypatch, "--fix", "--unsafe-fixes", "--output-format", "json")
    fixed = _python_sources(copy)
    for data in fixed.values():
        cst.parse_module(data)  # every fixed file parses
    _, after = _run(copy, monkeypatch, "--output-format", "json", "--unsafe-fixes")
    remaining = json.loads(after)
    # No finding the fixes addressed is left at the code and message it had.
    left = {(f["code"], f["message"]) for f in remaining}
    assert not [f for f in fixable if (f["code"], f["message"]) in left and f["fix"]["applicability"]], left
    assert all(f["fix"] is None for f in remaining), [f for f in remaining if f["fix"] is not None]
    # Idempotent: the second --fix has nothing left to do.
    exit_code, second = _run(copy, monkeypatch, "--diff", "--unsafe-fixes")
    assert (exit_code, second) == (0, "")
    _run(copy, monkeypatch, "--fix", "--unsafe-fixes")
    assert _python_sources(copy) == fixed


@pytest.mark.parametrize(
    ("target", "present", "absent"),
    [
        ("4.2", "await sync_to_async(get_object_or_404)(", "aget_object_or_404"),
        ("5.2", "await aget_object_or_404(", "sync_to_async(get_object_or_404)"),
    ],
)
def test_a_fix_uses_only_the_api_the_target_django_has(
    target: str, present: str, absent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = next(p for p in PROJECTS if p.name == "modern_project")
    _, diff = _run(project, monkeypatch, "--diff", "--unsafe-fixes", "--target-django", target)
    added = "".join(line for line in diff.splitlines(keepends=True) if line.startswith("+"))
    assert present in added
    assert absent not in added
