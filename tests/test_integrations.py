"""The real flake8 and pre-commit, run in subprocesses on a fixture project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from tests.helpers import write_files

REPO = Path(__file__).resolve().parents[1]
SHOP_PROJECT = REPO / "fixtures" / "shop_project"
FLAKE8_FORMAT = "%(path)s:%(row)d:%(col)d: %(code)s %(text)s"


def run(*command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=False, cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def shop_project(tmp_path) -> Path:
    return Path(
        shutil.copytree(
            SHOP_PROJECT, tmp_path / "shop_project", ignore=shutil.ignore_patterns("expected.txt")
        )
    )


def flake8(project: Path, *paths: str) -> list[str]:
    plugins = [e.value for e in entry_points(group="flake8.extension") if e.name == "ADJ"]
    assert plugins == ["asyncdj_lint.flake8_plugin:Plugin"], (
        "the ADJ plugin is not installed: pip install -e ."
    )
    result = run(
        sys.executable,
        "-m",
        "flake8",
        "--isolated",
        "--select",
        "ADJ",
        f"--format={FLAKE8_FORMAT}",
        *paths,
        cwd=project,
    )
    assert result.stderr == ""
    return sorted(line.removeprefix("./") for line in result.stdout.splitlines())


def asyncdj_lint(project: Path, *paths: str) -> list[str]:
    result = run(sys.executable, "-m", "asyncdj_lint", "--output-format", "concise", *paths, cwd=project)
    assert result.stderr == ""
    # flake8 has no fixes: drop the `[*]` that marks a fixable finding.
    return sorted(line.replace(" [*] ", " ", 1) for line in result.stdout.splitlines())


def test_flake8_select_adj_reports_the_same_codes_lines_and_messages_as_asyncdj_lint(shop_project):
    expected = asyncdj_lint(shop_project, ".")
    assert len(expected) == 8
    assert flake8(shop_project, ".") == expected


def test_flake8_on_one_file_still_resolves_models_and_managers_in_other_files(shop_project):
    found = flake8(shop_project, "catalog/views.py")
    assert found == [line for line in asyncdj_lint(shop_project, ".") if line.startswith("catalog/views.py:")]
    assert "catalog/views.py:16:16: ADJ101 `Product.objects.cheapest()` runs a database query" in "\n".join(
        found
    )


def test_the_hook_file_runs_serially_on_python_files_with_force_exclude():
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text()
    for line in (
        "- id: asyncdj-lint",
        "entry: asyncdj-lint check --force-exclude",
        "language: python",
        "types_or: [python, pyi]",
        "require_serial: true",
    ):
        assert f"\n  {line}" in f"\n  {hooks}", line


BROKEN = """\
from shop.models import Product


async def detail(request, pk):
    return Product.objects.get(pk=pk)
"""
FIXED = BROKEN.replace("return Product.objects.get(pk=pk)", "return await Product.objects.aget(pk=pk)")
MODELS = """\
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=10)
"""


def test_pre_commit_try_repo_fails_on_the_broken_file_and_passes_the_fixed_one(tmp_path):
    """One run: its environment install dominates the time. Only the two views are passed, as
    pre-commit passes changed files; the model comes from the project index."""
    repo = write_files(
        tmp_path / "repo",
        {
            "manage.py": "",
            "shop/__init__.py": "",
            "shop/models.py": MODELS,
            "shop/broken.py": BROKEN,
            "shop/fixed.py": FIXED,
        },
    )
    git = ("git", "-c", "user.name=test", "-c", "user.email=test@example.com")
    for command in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "start")):
        assert run(*git, *command, cwd=repo).returncode == 0
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    pre_commit = (sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "asyncdj-lint", "--files")
    result = run(*pre_commit, "shop/broken.py", "shop/fixed.py", cwd=repo, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    findings = [line for line in result.stdout.splitlines() if line.startswith("shop/")]
    assert findings == [
        (
            "shop/broken.py:5:12: ADJ101 [*] `Product.objects.get()` runs a database query on the event loop and raises "
            "SynchronousOnlyOperation; use `await Product.objects.aget(...)`"
        )
    ]


EXIT_PROBE = """\
import atexit, sys
from asyncdj_lint.cli import run
atexit.register(lambda: print("at exit", file=sys.stderr))
sys.argv = ["asyncdj-lint", *sys.argv[1:]]
run()
"""


@pytest.mark.parametrize(
    ("arguments", "code"), [(("--version",), 0), (("check", "--select", "NOPE"), 2), (("check", "."), 1)]
)
def test_the_command_exits_with_its_code_output_written_and_exit_handlers_run(shop_project, arguments, code):
    """The command skips the interpreter's teardown, not what it promised to write or run."""
    result = run(sys.executable, "-c", EXIT_PROBE, *arguments, cwd=shop_project)
    assert result.returncode == code
    assert result.stderr.endswith("at exit\n")
    assert result.stdout.strip() if code != 2 else "NOPE" in result.stderr
