"""The golden fixture projects, served under Django before and after `--fix --unsafe-fixes`.

tests/runtime/fixture_project.py serves every URL of a fixture project that
takes no argument or an int pk (fresh SQLite file, one seeded row per model,
logged in with a database session) in a process of its own. Each project is
copied, served, fixed the way a user fixes one (`asyncdj-lint check --fix
--unsafe-fixes .` from inside the copy) and served again:

- the original fails on at least one URL, and only with async-safety errors
  (SynchronousOnlyOperation, awaiting what is not awaitable, an unawaited
  coroutine, a sync iterator streamed from async code): the serving set-up
  itself works;
- every URL that failed and whose view had only findings with a fix answers
  afterwards with no exception and no warning, and at least one URL per
  project is repaired so;
- every URL that still fails after the fix routes to a view where a finding
  remains: what the fixes leave (findings with no fix, such as ADJ406's
  transaction or ADJ502's session before 5.1) is still reported.

fixtures/newsroom is not served: its URLconf cannot be imported, because
`ArticleList.as_view()` raises ImproperlyConfigured (mixed sync and async
handlers, ADJ701, which has no fix), so no URL answers before or after the
fix. fixtures/helpers_project has no URLconf; fixtures/field_bugs is served
by tests/test_fix_runtime.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from asyncdj_lint.facts.django_version import declared_django
from tests.field_bug_corpus import REPO, run_json
from tests.helpers import lint_in

pytestmark = pytest.mark.runtime

FIXTURES = REPO / "fixtures"
SERVED = ["legacy_project", "modern_project", "shop_project", "newsroom"]
NOT_SERVABLE = {
    "newsroom": "its URLconf raises ImproperlyConfigured on import (ArticleList mixes sync and async "
    "handlers, ADJ701, no fix): no URL can be served before or after the fix",
}


def django_version() -> tuple[int, int]:
    """The installed Django's version, which serves the projects."""
    import django

    major, minor = django.VERSION[:2]
    return major, minor


def serve(project: Path, database: Path) -> dict[str, Any]:
    """What tests/runtime/fixture_project.py prints for `project`, served in a process of its own."""
    served: dict[str, Any] = run_json("tests.runtime.fixture_project", str(project), str(database))
    return served


def async_failure(result: dict[str, Any]) -> str | None:
    """The async-safety failure the URL showed (exception or warning), None when it had none."""
    error = result["error"]
    if error is not None:
        kind, message = error["exception"], error["message"]
        if (
            kind.endswith(".SynchronousOnlyOperation")
            or (kind == "builtins.TypeError" and "await" in message)
            or (kind in ("builtins.ValueError", "builtins.AttributeError") and "coroutine" in message)
        ):
            return f"{kind}: {message}"
    for warning in result["warnings"]:
        if "never awaited" in warning["message"] or "synchronous iterators" in warning["message"]:
            return f"{warning['category']}: {warning['message']}"
    return None


def _in_view(findings: list[dict[str, Any]], view: dict[str, Any]) -> list[dict[str, Any]]:
    first, last = view["lines"]
    return [f for f in findings if Path(f["path"]) == Path(view["path"]) and first <= f["line"] <= last]


@pytest.mark.parametrize("name", SERVED)
def test_urls_that_failed_answer_once_fixed(name: str, tmp_path: Path) -> None:
    copy = tmp_path / name
    shutil.copytree(FIXTURES / name, copy)  # follows symlinks: modern_project shares legacy's app
    before = serve(copy, tmp_path / "before.sqlite3")
    if name in NOT_SERVABLE:
        assert before["urlconf_error"] is not None, f"{name} is served now: take it out of NOT_SERVABLE"
        pytest.skip(f"{NOT_SERVABLE[name]} ({before['urlconf_error']['message']})")
    assert before["urlconf_error"] is None, before["urlconf_error"]
    failed = {
        url: async_failure(result)
        for url, result in before["urls"].items()
        if result["error"] or async_failure(result)
    }
    assert failed, f"{name}: no URL failed before the fix"
    assert all(failed.values()), f"{name}: failures other than async-safety ones: {failed}"

    # The fixes use the APIs of the Django the project declares; served by an older Django
    # (modern_project declares 6.0 and the suite runs under 5.2 as well), they are made for that one.
    installed = django_version()
    declared = declared_django(copy)
    target = (
        ()
        if declared is None or declared <= installed
        else ("--target-django", f"{installed[0]}.{installed[1]}")
    )
    findings_before = lint_in(copy, "--output-format", "json", *target)
    lint_in(copy, "--fix", *target)
    findings_after = lint_in(copy, "--output-format", "json", *target)
    after = serve(copy, tmp_path / "after.sqlite3")
    assert after["urlconf_error"] is None, after["urlconf_error"]

    repaired = []
    for url in failed:
        got = after["urls"][url]
        in_view = _in_view(findings_before, before["urls"][url]["view"])
        if in_view and all(f["fix"] is not None for f in in_view):
            assert got["error"] is None, f"{url}: {got['error']}"
            assert got["warnings"] == [], f"{url}: {got['warnings']}"
        if got["error"] is None and not got["warnings"]:
            repaired.append(url)
        else:
            left = _in_view(findings_after, got["view"])
            assert left, f"{url} still fails after the fix with no finding left in its view: {got}"
    assert repaired, f"{name}: no failing URL answers after the fix"
