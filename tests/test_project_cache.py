"""The index covers the whole project even when one file is linted, and its summaries are cached on disk."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from asyncdj_lint import sources
from asyncdj_lint.api import LintSession, lint_paths, resolve_options
from asyncdj_lint.index import store
from asyncdj_lint.index.cache import CACHE_DIR, signing_key
from asyncdj_lint.options import LintOptions, RuleSelection
from tests.helpers import write_files

MODELS = """\
from django.db import models
from shop.managers import ProductManager


class Product(models.Model):
    name = models.CharField(max_length=10)
    objects = ProductManager()
"""
MANAGERS = """\
from django.db import models


class ProductManager(models.Manager):
    def cheapest(self):
        return self.order_by("price").first()
"""
VIEWS = """\
from shop.models import Product


async def cheapest(request):
    return Product.objects.cheapest()
"""


@pytest.fixture
def project(tmp_path) -> Path:
    files = {
        "shop/__init__.py": "",
        "shop/models.py": MODELS,
        "shop/managers.py": MANAGERS,
        "shop/views.py": VIEWS,
    }
    return write_files(tmp_path, {"manage.py": "", **files})


@pytest.fixture(autouse=True)
def _own_signing_key(tmp_path, monkeypatch):
    """A key of this test's own, as a fresh machine or user would have."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    signing_key.cache_clear()
    yield
    signing_key.cache_clear()


class _Reads(list[str]):
    """First lines, each file's once until cleared."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: set[bytes] = set()

    def clear(self) -> None:
        super().clear()
        self.sources.clear()


@pytest.fixture
def summarised(monkeypatch) -> list[str]:
    """The first line of every module the run read from its source: summarised with `ast` or
    parsed with LibCST (once each)."""
    calls = _Reads()
    real_parse, real_summary = sources.parse, store.read_summary

    def note(source: bytes) -> None:
        if source not in calls.sources:
            calls.sources.add(source)
            calls.append(source.decode().splitlines()[0] if source else "")

    def parsing(file, source=None):
        note(source if source is not None else file.path.read_bytes())
        return real_parse(file, source)

    def summarising(source, *, is_package, tree=None):
        note(source)
        return real_summary(source, is_package=is_package, tree=tree)

    monkeypatch.setattr(sources, "parse", parsing)
    monkeypatch.setattr(store, "read_summary", summarising)
    return calls


def codes_in(path: Path, **options) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in lint_paths([path], LintOptions(**options)).diagnostics]


def test_linting_one_file_resolves_models_and_managers_in_files_not_linted(project):
    assert codes_in(project / "shop" / "views.py") == [("ADJ101", 5)]


def test_a_repeat_run_parses_nothing_until_a_file_changes(project, summarised):
    views = project / "shop" / "views.py"
    first = codes_in(views)
    assert len(summarised) == 3  # views, models, managers
    summarised.clear()
    assert codes_in(views) == first
    assert summarised == []  # the outcome itself came from the cache
    summarised.clear()
    # An edit that leaves what other files can see of managers.py alone re-checks only that file.
    (project / "shop" / "managers.py").write_text(MANAGERS.replace("first()", "last()"))
    assert codes_in(views) == [("ADJ101", 5)]
    assert summarised == ["from django.db import models"]
    summarised.clear()
    # One that changes its summary (the method becomes async) re-checks the files that use it.
    (project / "shop" / "managers.py").write_text(MANAGERS.replace("def cheapest", "async def cheapest"))
    assert codes_in(views) != [("ADJ101", 5)]
    assert sorted(summarised) == ["from django.db import models", "from shop.models import Product"]


def test_the_cache_folder_ignores_itself_in_git(project):
    codes_in(project / "shop" / "views.py")
    assert (project / CACHE_DIR / ".gitignore").read_text() == "# Created by asyncdj-lint automatically.\n*\n"
    assert len(list((project / CACHE_DIR).glob("summaries-*.pickle"))) == 1


def test_a_damaged_cache_file_is_ignored_and_replaced(project):
    codes_in(project / "shop" / "views.py")
    (cache_file,) = (project / CACHE_DIR).glob("summaries-*.pickle")
    cache_file.write_bytes(b"not a pickle")
    (project / "shop" / "managers.py").write_text(MANAGERS + "\n")
    assert codes_in(project / "shop" / "views.py") == [("ADJ101", 5)]
    assert cache_file.read_bytes() != b"not a pickle"


def test_without_the_cache_nothing_is_written(project):
    assert codes_in(project / "shop" / "views.py", cache=False) == [("ADJ101", 5)]
    assert not (project / CACHE_DIR).exists()


def test_excluded_folders_are_not_indexed(project):
    assert codes_in(project / "shop" / "views.py", exclude=("managers.py",)) == []


def test_a_file_the_index_reads_but_that_is_not_linted_is_not_reported_as_unparsable(project):
    (project / "shop" / "helpers.py").write_text("def broken(:\n")
    (project / "shop" / "views.py").write_text(
        "from shop.helpers import broken\n" + VIEWS + "\n\nasync def other(request):\n    return broken()\n"
    )
    options = resolve_options([project], LintOptions())
    session = LintSession(options)
    assert [(d.code, d.line) for d in session.lint([project / "shop" / "views.py"]).diagnostics] == [
        ("ADJ101", 6)
    ]
    assert list(session.store.problems) == [project / "shop" / "helpers.py"]  # the index did read it
    assert ("ADJ001", 1) in codes_in(project / "shop")


def test_a_cache_file_not_signed_with_this_users_key_is_never_unpickled(project, summarised):
    codes_in(project / "shop" / "views.py")
    cache_files = sorted((project / CACHE_DIR).glob("*.pickle"))
    assert [f.name.split("-")[0] for f in cache_files] == ["results", "summaries"]
    planted = pickle.dumps({"x": _Explodes()})
    for cache_file in cache_files:
        cache_file.write_bytes(b"\0" * 32 + planted)
    summarised.clear()
    assert codes_in(project / "shop" / "views.py") == [("ADJ101", 5)]
    assert len(summarised) == 3  # everything parsed again; the planted file was not loaded


class _Explodes:
    def __reduce__(self):
        return (pytest.fail, ("a planted cache file was unpickled",))


def test_a_cache_file_from_another_user_or_machine_is_ignored(project, summarised):
    codes_in(project / "shop" / "views.py")
    signing_key.cache_clear()
    (Path(os.environ["XDG_CACHE_HOME"]) / "asyncdj-lint" / "cache-key").unlink()
    summarised.clear()
    assert codes_in(project / "shop" / "views.py") == [("ADJ101", 5)]
    assert len(summarised) == 3


def test_cached_outcomes_are_not_reused_under_other_options(project, summarised):
    views = project / "shop" / "views.py"
    assert codes_in(views) == [("ADJ101", 5)]
    summarised.clear()
    assert codes_in(views, selection=RuleSelection(select=("ADJ102",))) == []
    assert summarised == ["from shop.models import Product"]  # linted again, not read from the cache
