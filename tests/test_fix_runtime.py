"""Fixes proven by running them: the field bug project, fixed by `--fix --unsafe-fixes`, served under Django.

fixtures/field_bugs holds bugs public projects shipped; tests/runtime/field_bugs.py
serves each (and its corrected twin) under real Django, as tests/test_field_bugs.py
does. Here a copy of the project is fixed the way a user fixes one
(`asyncdj-lint check --fix --unsafe-fixes .` from inside it) and served with the
same harness. Every bug whose location had a finding with a fix must be silent
for the rules that fixed it afterwards and run as its corrected twin does: no exception, no warning, and the
twin's status, body and observed effect. The twins, which have no finding, stay
as they were.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.field_bug_corpus import PROJECT, lines_of, load_catalogue, serve
from tests.helpers import lint_in

pytestmark = pytest.mark.runtime

# Bugs the fixes repair today (each proven below): raise it as fixes are added.
FIXED_FLOOR = 22

ENTRIES = load_catalogue()


def _inside(findings: list[dict[str, Any]], project: Path, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings inside the bug's location (`buggy_at`, else `buggy`)."""
    source = (project / entry["module"]).read_text(encoding="utf-8")
    lines = lines_of(source, entry.get("buggy_at", entry["buggy"]))
    return [f for f in findings if Path(f["path"]) == Path(entry["module"]) and f["line"] in lines]


@pytest.fixture(scope="module")
def fixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str], dict[str, Any]]:
    """(ids of bugs with a fix, ids whose findings all went, what the fixed project did when served)."""
    copy = tmp_path_factory.mktemp("fixed") / "field_bugs"
    shutil.copytree(PROJECT, copy)
    before = lint_in(copy, "--output-format", "json")
    with_fix = [e["id"] for e in ENTRIES if any(f["fix"] is not None for f in _inside(before, copy, e))]
    lint_in(copy, "--fix")
    after = lint_in(copy, "--output-format", "json")
    # Silent: no finding is left of the rules whose fix was applied there (another rule's finding
    # with no fix, such as ADJ408's advice on the bridge of FB03, may stay).
    fixed_codes = {
        e["id"]: {f["code"] for f in _inside(before, copy, e) if f["fix"] is not None} for e in ENTRIES
    }
    silent = [
        e["id"]
        for e in ENTRIES
        if e["id"] in with_fix and not any(f["code"] in fixed_codes[e["id"]] for f in _inside(after, copy, e))
    ]
    return with_fix, silent, serve(tmp_path_factory.mktemp("fixed_db") / "db.sqlite3", copy, with_fix)


def test_every_bug_with_a_fix_is_fixed_and_silent_afterwards(
    fixed: tuple[list[str], list[str], dict[str, Any]],
) -> None:
    with_fix, silent, _ = fixed
    assert len(with_fix) >= FIXED_FLOOR, with_fix
    assert silent == with_fix, f"findings left where a fix was applied: {sorted(set(with_fix) - set(silent))}"


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry["id"] for entry in ENTRIES])
def test_a_fixed_bug_runs_as_its_corrected_twin(
    entry: dict[str, Any], fixed: tuple[list[str], list[str], dict[str, Any]]
) -> None:
    with_fix, _, served = fixed
    if entry["id"] not in with_fix:
        pytest.skip("no finding with a fix at the bug")
    twin: dict[str, Any] = entry["twin_outcome"]
    assert "exception" not in twin and "warning" not in twin, "a twin runs cleanly"
    for side in ("buggy", "twin"):
        got = served[entry["id"]][side]
        assert got["error"] is None, f"{side}: {got['error']}"
        assert got["warnings"] == [], f"{side}: {got['warnings']}"
        for key in ("status", "observed"):
            if key in twin:
                assert got[key] == twin[key], f"{side} {key}: expected {twin[key]!r}, got {got[key]!r}"
        assert twin.get("body", "") in got["body"], f"{side}: {got['body']}"
