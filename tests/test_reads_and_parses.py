"""Each file of a run is read once and parsed at most once: the store owns bytes and trees.

The run's `Sources` counts every read and every parse by path (instrumented in
the store itself); the counts are checked on every fixture project, linted
whole as the CLI lints it, formats' lines included.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from asyncdj_lint import parse_guard
from asyncdj_lint.api import LintSession, resolve_options
from asyncdj_lint.discovery import python_files
from asyncdj_lint.options import LintOptions, RuleSelection
from asyncdj_lint.workspace import Exclusion

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PROJECTS = sorted(path for path in FIXTURES.iterdir() if path.is_dir())


@pytest.mark.parametrize("project", PROJECTS, ids=[path.name for path in PROJECTS])
def test_every_file_is_read_once_and_parsed_at_most_once(project: Path) -> None:
    options = resolve_options([project], LintOptions(cache=False))
    assert options.root is not None
    targets = list(python_files([project], Exclusion(options.exclude, options.root).excludes))
    session = LintSession(options, targets, project_files=targets)
    thresholds = gc.get_threshold()
    result = session.lint(targets)
    assert gc.get_threshold() == thresholds, "the collector runs as often as before once linting is done"
    sources = session.store.sources
    for diagnostic in result.diagnostics:  # what the formats print comes from the same bytes
        assert sources.lines_of(diagnostic.path), diagnostic
    assert sources.reads, "nothing was read"
    assert max(sources.reads.values()) == 1, sources.reads.most_common(3)
    assert sources.parses, "nothing was parsed"
    assert max(sources.parses.values()) == 1, sources.parses.most_common(3)
    assert set(sources.parses) <= set(sources.reads)


def test_with_the_cache_the_fingerprint_and_the_formats_read_nothing_again(tmp_path: Path) -> None:
    (tmp_path / "manage.py").write_text("")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "views.py").write_text(
        "from shop.models import Product\n\n\nasync def detail(request):\n    return Product.objects.get()\n"
    )
    (tmp_path / "shop" / "models.py").write_text(
        "from django.db import models\n\n\nclass Product(models.Model):\n    pass\n"
    )
    options = resolve_options([tmp_path], LintOptions(cache=True))
    session = LintSession(options)
    result = session.lint([tmp_path / "shop" / "views.py"])
    assert [d.code for d in result.diagnostics] == ["ADJ101"]
    sources = session.store.sources
    assert sources.lines_of(result.diagnostics[0].path)[4] == "    return Product.objects.get()"
    assert set(sources.reads.values()) == {1}
    assert set(sources.parses.values()) == {1}


def test_a_module_in_newer_syntax_is_parsed_once_for_its_summary_and_its_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`except A, B:` (Python 3.14) is summarised from LibCST's rewrite of the tree the rules walk."""
    (tmp_path / "manage.py").write_text("")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    views = tmp_path / "shop" / "views.py"
    views.write_text(
        "from django.db import models\n\n\nclass Product(models.Model):\n    pass\n\n\n"
        "async def detail(request):\n    try:\n        return Product.objects.get()\n"
        "    except KeyError, ValueError:\n        return None\n"
    )
    parsed: list[bytes] = []
    parse_module = parse_guard.parse_module
    monkeypatch.setattr(
        parse_guard, "parse_module", lambda source: parsed.append(source) or parse_module(source)
    )
    options = resolve_options([tmp_path], LintOptions(cache=False))
    session = LintSession(options, [views])
    assert [d.code for d in session.lint([views]).diagnostics] == ["ADJ101"]
    assert parsed.count(views.read_bytes()) == 1


def test_a_file_without_async_is_not_walked_for_rules_that_judge_only_async_code(tmp_path: Path) -> None:
    """`Client`, `View` and `Mixin` are what ADJ514, ADJ702 and ADJ709 look at, but only inside
    `async def` code, and ADJ407 judges generators only where `sync_to_async` wraps them: a sync
    test module that says them is only syntax-checked."""
    (tmp_path / "manage.py").write_text("")
    sync_test = tmp_path / "shop" / "tests.py"
    sync_test.parent.mkdir()
    sync_test.write_text(
        "from django.test import Client\nfrom django.views.generic import DetailView\n\n\n"
        "class Mixin:\n    pass\n\n\ndef rows():\n    yield 1\n\n\ndef test_home():\n    Client().get('/')\n"
    )
    options = resolve_options(
        [tmp_path],
        LintOptions(cache=False, selection=RuleSelection(select=("ADJ407", "ADJ514", "ADJ702", "ADJ709"))),
    )
    session = LintSession(options, [sync_test])
    assert session.lint([sync_test]).diagnostics == []
    assert not session.store.was_parsed(session.store.file_for(sync_test))
    sync_test.write_text(sync_test.read_text().replace("def test_home", "async def test_home"))
    session = LintSession(options, [sync_test])
    assert [d.code for d in session.lint([sync_test]).diagnostics] == ["ADJ514"]
