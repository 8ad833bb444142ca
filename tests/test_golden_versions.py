"""The same mistakes, in projects that target different Django versions, get version-specific advice."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _findings(project: str) -> dict[str, str]:
    """`path:line:col:` -> `CODE message`, from a fixture's expected output."""
    lines = (FIXTURES / project / "expected.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split(" ", 1) for line in lines)


def test_legacy_and_modern_projects_report_the_same_mistakes():
    assert _findings("legacy_project").keys() == _findings("modern_project").keys()


def test_advice_names_async_apis_only_where_the_target_version_has_them():
    legacy, modern = _findings("legacy_project"), _findings("modern_project")
    changed = sorted(location for location in legacy if legacy[location] != modern[location])
    assert [legacy[location].split(" ", 1)[0] for location in changed] == [
        "ADJ502", "ADJ502", "ADJ503", "ADJ504", "ADJ508", "ADJ503", "ADJ501",
    ]  # fmt: skip
    assert all("predates the async variant" in legacy[location] for location in changed)
    assert not any("predates" in message for message in modern.values())
    assert "`await alogout(...)`" in "".join(modern.values())
    assert "`await sync_to_async(logout)(...)`" in "".join(legacy.values())
