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
  project is repaired so; on legacy_project, modern_project and shop_project
  every URL that failed answers (EVERY_URL_REPAIRED);
- every URL that still fails after the fix routes to a view where a finding
  remains, or passes through a broken middleware or setting that is still
  reported: what the fixes leave (findings with no fix, such as ADJ508's
  paginator whose objects are read on the loop, or ADJ503's `has_perm()` before
  Django 5.2) is still reported.

fixtures/newsroom cannot be served before the fix: its URLconf raises
ImproperlyConfigured on import (`ArticleList` mixes sync and async handlers,
ADJ701). For it the proof is that the URLconf imports once fixed, the finding
that broke it is gone, the URLs in ANSWER_ONCE_FIXED answer, and every other
URL either answers or is explained by a finding left. fixtures/helpers_project
has no URLconf; fixtures/field_bugs is served by tests/test_fix_runtime.py.
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
# Projects whose URLconf cannot be imported before the fix: the exception, and the rule whose fix repairs it.
URLCONF_BROKEN = {"newsroom": ("django.core.exceptions.ImproperlyConfigured", "ADJ701")}
# The URLs of those projects that answer once fixed (their middleware, ATOMIC_REQUESTS and views are
# all fixed; newsroom's /latest/ keeps ADJ707's `never_cache` on `dispatch`, which has no fix on 5.0).
ANSWER_ONCE_FIXED = {"newsroom": ("/", "/articles/", "/articles/1/", "/feed/", "/latest/")}
# Findings that fail every request they reach, wherever its view is: middleware, and settings.
REQUEST_WIDE = ("ADJ6", "ADJ706")
# Projects on which the fixes repair every URL that failed: none may stay failing.
EVERY_URL_REPAIRED = {"legacy_project", "modern_project", "shop_project"}


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


def _request_wide(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f["code"].startswith(REQUEST_WIDE) and f["severity"] == "error"]


@pytest.mark.parametrize("name", SERVED)
def test_urls_that_failed_answer_once_fixed(name: str, tmp_path: Path) -> None:
    copy = tmp_path / name
    shutil.copytree(FIXTURES / name, copy)  # follows symlinks: modern_project shares legacy's app
    before = serve(copy, tmp_path / "before.sqlite3")
    if name in URLCONF_BROKEN:
        assert before["urlconf_error"] is not None, (
            f"{name}'s URLconf imports now: take it out of URLCONF_BROKEN"
        )
        assert before["urlconf_error"]["exception"] == URLCONF_BROKEN[name][0], before["urlconf_error"]
        failed: dict[str, str | None] = {}
    else:
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
    if name in URLCONF_BROKEN:
        assert not [f for f in findings_after if f["code"] == URLCONF_BROKEN[name][1]]
        failed = dict.fromkeys(after["urls"])  # every URL is served for the first time
        assert failed, f"{name}: the fixed URLconf routes no URL the runner can serve"
        for url in ANSWER_ONCE_FIXED[name]:
            got = after["urls"][url]
            assert (got["error"], got["warnings"]) == (None, []), f"{url}: {got}"

    repaired = []
    for url in failed:
        got = after["urls"][url]
        in_view = _in_view(findings_before, before["urls"][url]["view"]) if url in before["urls"] else []
        if in_view and all(f["fix"] is not None for f in in_view) and not _request_wide(findings_after):
            assert got["error"] is None, f"{url}: {got['error']}"
            assert got["warnings"] == [], f"{url}: {got['warnings']}"
        if got["error"] is None and not got["warnings"]:
            repaired.append(url)
        else:
            left = _in_view(findings_after, got["view"]) + _request_wide(findings_after)
            assert left, (
                f"{url} still fails after the fix with no finding left in its view or on its way: {got}"
            )
    assert repaired or name in URLCONF_BROKEN, f"{name}: no failing URL answers after the fix"
    if name in EVERY_URL_REPAIRED:
        assert sorted(repaired) == sorted(failed), (
            f"{name}: still failing: {sorted(set(failed) - set(repaired))}"
        )
