"""The field bug corpus: async Django bugs public projects shipped, rewritten in fixtures/field_bugs.

Two proofs per catalogue entry:
- under real Django (tests/runtime/field_bugs.py, one subprocess for the
  whole corpus), the buggy code fails the way the report says and its twin
  runs cleanly (`runtime` tests);
- asyncdj-lint reports the buggy location and never a twin; recall must not
  fall below CAUGHT_FLOOR (what the tool catches today: raise it as rules
  improve; the goal is 90%). A bug is caught when any finding lies inside its
  buggy location (see tests/field_bug_corpus.py). `pytest -s` prints the table.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.field_bug_corpus import PROJECT, judge, lines_of, lint_project, load_catalogue, missed, table

CAUGHT_FLOOR = 35

ENTRIES = load_catalogue()
REPO = Path(__file__).resolve().parent.parent
SIDES = ("buggy", "twin")


def test_the_catalogue_has_thirty_bugs_or_more_each_with_its_source_and_both_locations() -> None:
    ids = [entry["id"] for entry in ENTRIES]
    assert len(ids) >= 30 and len(set(ids)) == len(ids)
    for entry in ENTRIES:
        assert entry["url"].startswith("https://github.com/") and "#" in entry["source"], entry["id"]
        assert entry["expected_code"].startswith("ADJ") and entry["pattern"] and entry["reported"], entry[
            "id"
        ]
        source = (PROJECT / entry["module"]).read_text(encoding="utf-8")
        for qualname in (entry["buggy"], entry["twin"], entry.get("buggy_at"), entry.get("twin_at")):
            if qualname is not None:
                assert lines_of(source, qualname), (entry["id"], qualname)


@pytest.fixture(scope="module")
def verdicts() -> list[Any]:
    return judge(ENTRIES, lint_project())


def test_no_twin_is_flagged(verdicts: list[Any]) -> None:
    flagged = [f"{v.id}: {', '.join(v.twin_flagged_by)}" for v in verdicts if v.twin_flagged_by]
    assert not flagged, "corrected twins reported:\n" + "\n".join(flagged)


def test_recall_on_the_field_bugs_does_not_fall_below_the_floor(verdicts: list[Any]) -> None:
    print("\n" + table(verdicts))
    caught = sum(v.caught for v in verdicts)
    assert caught >= CAUGHT_FLOOR, (
        f"caught {caught}/{len(verdicts)}, floor {CAUGHT_FLOOR}; missed:\n{missed(verdicts)}"
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    """Every entry's buggy and twin side, run once under Django in a process of its own."""
    database = tmp_path_factory.mktemp("field_bugs") / "db.sqlite3"
    run = subprocess.run(
        [sys.executable, "-m", "tests.runtime.field_bugs", str(database)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    results: dict[str, dict[str, dict[str, Any]]] = json.loads(run.stdout)
    return results


@pytest.mark.runtime
@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("entry", ENTRIES, ids=[entry["id"] for entry in ENTRIES])
def test_the_bug_fails_as_reported_and_its_twin_runs_cleanly(
    entry: dict[str, Any], side: str, served: dict[str, dict[str, dict[str, Any]]]
) -> None:
    expected: dict[str, Any] = entry[f"{side}_outcome"]
    got = served[entry["id"]][side]
    error = got["error"]
    if "exception" in expected:
        assert error is not None, f"expected {expected['exception']}, got {got}"
        assert error["exception"] == expected["exception"] and expected["message"] in error["message"], error
    else:
        assert error is None, f"expected no exception, got {error}"
    if "warning" in expected:
        assert got["warnings"], f"expected {expected['warning']} {expected['warning_message']!r}, got none"
        for warning in got["warnings"]:
            assert warning["category"] == expected["warning"], got["warnings"]
            assert expected["warning_message"] in warning["message"], got["warnings"]
    else:
        assert not got["warnings"], f"expected no warning, got {got['warnings']}"
    for key in ("status", "observed"):
        if key in expected:
            assert got[key] == expected[key], f"{key}: expected {expected[key]!r}, got {got[key]!r}"
    assert expected.get("body", "") in got["body"], got["body"]
    if side == "buggy":
        assert error is not None or "warning" in expected or "observed" in expected, (
            "a buggy side must fail: an exception, a warning, or an observed effect"
        )
