"""The result cache: a re-run re-checks only what an edit can change, however the tree is named."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from asyncdj_lint import api
from asyncdj_lint.api import lint_paths
from asyncdj_lint.index import store
from asyncdj_lint.index.cache import signing_key
from asyncdj_lint.options import LintOptions
from tests.helpers import write_files

MODELS = """\
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=10)
"""
HELPERS = """\
from shop.models import Product


def label(pk):
    return str(pk)
"""
VIEWS = """\
from shop.helpers import label
from shop.models import Product


async def detail(request, pk):
    return label(pk)


async def other(request, pk):
    return Product.objects.get(pk=pk)
"""


@pytest.fixture(autouse=True)
def _own_signing_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    signing_key.cache_clear()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    files = {
        "shop/__init__.py": "",
        "shop/models.py": MODELS,
        "shop/helpers.py": HELPERS,
        "shop/views.py": VIEWS,
    }
    return write_files(tmp_path / "p", {"manage.py": "", **files})


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first line of every module summarised from its source."""
    calls: list[str] = []
    real = store.read_summary

    def counting(source, *, is_package, tree=None):  # type: ignore[no-untyped-def]
        calls.append(source.decode().splitlines()[0] if source else "")
        return real(source, is_package=is_package, tree=tree)

    monkeypatch.setattr(store, "read_summary", counting)
    return calls


def findings(*paths: Path) -> list[tuple[str, str, int]]:
    return [(Path(d.path).name, d.code, d.line) for d in lint_paths(list(paths), LintOptions()).diagnostics]


def test_the_same_tree_named_another_way_reuses_the_outcomes(project, parsed, monkeypatch):
    first = findings(project)
    assert ("views.py", "ADJ101", 10) in first
    parsed.clear()
    monkeypatch.chdir(project)
    assert findings(Path(".")) == first
    assert findings(Path("shop")) == first
    assert parsed == []


def test_an_edit_to_a_function_body_another_file_follows_re_checks_that_file(project, parsed):
    assert ("views.py", "ADJ101", 10) in findings(project)
    assert not any(code.startswith("ADJ3") for _, code, _ in findings(project))
    (project / "shop" / "helpers.py").write_text(
        HELPERS.replace("str(pk)", "Product.objects.get(pk=pk).name")
    )
    assert any(name == "views.py" and code.startswith("ADJ3") for name, code, _ in findings(project))


def test_an_edit_inside_a_body_nobody_follows_re_checks_only_the_edited_file(project, parsed):
    before = findings(project)
    parsed.clear()
    (project / "shop" / "views.py").write_text(VIEWS + "\n\nasync def third(request):\n    return None\n")
    assert findings(project) == before
    assert parsed == ["from shop.helpers import label"]


def test_a_name_that_appears_in_an_edited_file_re_checks_the_files_that_looked_for_it(project, parsed):
    (project / "shop" / "other.py").write_text("LIMIT = 1\n")
    views = project / "shop" / "views.py"
    views.write_text(VIEWS.replace("from shop.models import Product", "from shop.other import Product"))
    assert findings(views) == []  # other.py does not mention Product: it is not even parsed
    assert "LIMIT = 1" not in parsed
    (project / "shop" / "other.py").write_text("from shop.models import Product\n")
    assert findings(views) == [("views.py", "ADJ101", 10)]


def test_an_unchanged_re_run_imports_no_libcst(project):
    run = [sys.executable, "-m", "asyncdj_lint", "-q", "--exit-zero", "."]
    first = subprocess.run(run, cwd=project, capture_output=True, text=True, check=True)
    probe = (  # the command ends the process itself, after running the exit handlers
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: print("
        "'LIBCST' if any(m.startswith('libcst') for m in sys.modules) else 'NONE', file=sys.stderr))\n"
        "sys.argv = ['asyncdj-lint', '-q', '--exit-zero', '.']\n"
        "runpy.run_module('asyncdj_lint', run_name='__main__')\n"
    )
    again = subprocess.run(
        [sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, check=True
    )
    assert again.stdout == first.stdout
    assert "ADJ101" in again.stdout
    assert again.stderr.strip().endswith("NONE")


def test_an_unchanged_re_run_with_two_files_of_one_module_name_answers_from_the_cache(project, monkeypatch):
    """Each package's `tests/conftest.py` is module `tests.conftest`: the index takes the first,
    and the re-run still finds both in the record instead of starting a session."""
    for package in ("billing", "orders"):
        write_files(project / package, {"tests/__init__.py": "", "tests/conftest.py": "LIMIT = 1\n"})
    first = findings(project)
    assert ("views.py", "ADJ101", 10) in first

    def no_session(*args: object, **kwargs: object) -> None:
        raise AssertionError("the re-run started a session")

    monkeypatch.setattr(api, "LintSession", no_session)
    assert findings(project) == first


def test_version_imports_no_libcst():
    probe = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: print(any(m.startswith('libcst') for m in sys.modules)))\n"
        "sys.argv = ['asyncdj-lint', '--version']\n"
        "runpy.run_module('asyncdj_lint', run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "False"
    assert "version" in done.stdout


def test_the_flake8_plugin_reuses_what_the_cli_recorded(project, parsed, monkeypatch):
    from asyncdj_lint import flake8_plugin

    monkeypatch.chdir(project)
    monkeypatch.setattr(flake8_plugin, "_SESSIONS", {})
    cli = findings(Path("."))
    parsed.clear()
    views = Path("shop/views.py")
    plugin = flake8_plugin.Plugin(ast.parse(VIEWS), str(views), views.read_text().splitlines(keepends=True))
    reported = [(line, message.split()[0]) for line, _, message, _ in plugin.run()]
    assert reported == [(line, code) for name, code, line in cli if name == "views.py"]
    assert parsed == []


def test_a_finding_that_names_another_file_is_not_reused_under_another_spelling(project, monkeypatch):
    (project / "shop" / "helpers.py").write_text(
        HELPERS.replace("str(pk)", "Product.objects.get(pk=pk).name")
    )
    absolute = lint_paths([project], LintOptions()).diagnostics
    chained = [d for d in absolute if d.code.startswith("ADJ3")]
    assert chained and str(project) in chained[0].message
    monkeypatch.chdir(project)
    relative = [d for d in lint_paths([Path(".")], LintOptions()).diagnostics if d.code.startswith("ADJ3")]
    assert str(project) not in relative[0].message
    assert "(shop/helpers.py:" in relative[0].message


def test_an_edit_to_a_deployment_file_re_checks_the_files_it_judges(tmp_path):
    from tests.test_served_middleware import adj606, deployed

    root = tmp_path / "p"
    assert adj606(root, deployed({"Procfile": "web: gunicorn site_config.wsgi:application\n"})) == []
    (root / "Procfile").write_text("web: uvicorn site_config.asgi:application --port $PORT\n")
    [finding] = adj606(root, {})  # every Python file as the first run left it
    assert finding.startswith("site_config/settings/base.py:3: `legacy.LegacyMiddleware` is sync-only")
    assert " at Procfile:1): " in finding
