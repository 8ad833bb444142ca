"""Searching folders: files git ignores are left out (`respect-gitignore`), as ruff does."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from asyncdj_lint.cli import main
from asyncdj_lint.gitignore import GitIgnore
from tests.helpers import write_files

BROKEN = "from shop.models import Product\n\n\nasync def view(request):\n    return Product.objects.get()\n"
MODELS = "from django.db import models\n\n\nclass Product(models.Model):\n    pass\n"


@pytest.fixture(autouse=True)
def no_global_excludes(tmp_path_factory, monkeypatch):
    """The user's own git configuration must not leak into the tests."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    return home


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    (tmp_path / ".git" / "info").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return write_files(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n", "shop/__init__.py": ""})


def ignored(repo: Path, *names: str) -> list[str]:
    gitignore = GitIgnore()
    return [name for name in names if gitignore.ignored(repo / name)]


def make(repo: Path, *names: str) -> None:
    for name in names:
        path = repo / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")


def test_plain_anchored_and_directory_only_patterns(repo):
    write_files(repo, {".gitignore": "*.gen.py\n/top.py\nout/\n"})
    make(repo, "a.gen.py", "sub/b.gen.py", "top.py", "sub/top.py", "out/", "sub/out/", "sub/x/out")
    assert ignored(
        repo, "a.gen.py", "sub/b.gen.py", "top.py", "sub/top.py", "out", "sub/out", "sub/x/out"
    ) == [
        "a.gen.py",
        "sub/b.gen.py",
        "top.py",
        "out",
        "sub/out",
    ]


def test_negation_re_includes_but_not_inside_an_ignored_folder(repo):
    write_files(repo, {".gitignore": "*.py\n!keep.py\nvendor/\n!vendor/keep.py\n"})
    make(repo, "a.py", "keep.py", "vendor/keep.py")
    assert ignored(repo, "a.py", "keep.py", "vendor/keep.py") == ["a.py", "vendor/keep.py"]


def test_a_nested_gitignore_is_relative_to_its_folder_and_overrides_the_top_one(repo):
    write_files(repo, {".gitignore": "*.tmp.py\n", "pkg/.gitignore": "!keep.tmp.py\n/local.py\n"})
    make(repo, "x.tmp.py", "pkg/keep.tmp.py", "pkg/other.tmp.py", "pkg/local.py", "pkg/deeper/local.py")
    names = ("x.tmp.py", "pkg/keep.tmp.py", "pkg/other.tmp.py", "pkg/local.py", "pkg/deeper/local.py")
    assert ignored(repo, *names) == ["x.tmp.py", "pkg/other.tmp.py", "pkg/local.py"]


def test_info_exclude_and_the_global_excludes_file(repo, no_global_excludes):
    (repo / ".git" / "info" / "exclude").write_text("scratch.py\n")
    (no_global_excludes / "ignore-all").write_text("*.local.py\n")
    (no_global_excludes / ".gitconfig").write_text(
        '[user]\n\tname = x\n[core]\n\texcludesFile = "~/ignore-all"\n'
    )
    make(repo, "scratch.py", "conf.local.py", "views.py")
    assert ignored(repo, "scratch.py", "conf.local.py", "views.py") == ["scratch.py", "conf.local.py"]


def test_the_default_global_ignore_file_under_xdg_config_home(repo, no_global_excludes):
    write_files(no_global_excludes, {".config/git/ignore": "notes.py\n"})
    make(repo, "notes.py")
    assert ignored(repo, "notes.py") == ["notes.py"]


def test_a_worktree_reads_info_exclude_from_its_git_dir(tmp_path):
    git_dir = tmp_path / "main.git" / "worktrees" / "w"
    (git_dir / "info").mkdir(parents=True)
    (git_dir / "info" / "exclude").write_text("secret.py\n")
    work = tmp_path / "w"
    work.mkdir()
    (work / ".git").write_text(f"gitdir: {git_dir}\n")
    make(work, "secret.py", "open.py")
    assert ignored(work, "secret.py", "open.py") == ["secret.py"]


def test_outside_a_repository_nothing_is_ignored(tmp_path):
    write_files(tmp_path, {".gitignore": "*.py\n", "a.py": ""})
    assert ignored(tmp_path, "a.py") == []


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--no-cache", *args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def project(repo) -> Path:
    return write_files(
        repo,
        {
            ".gitignore": "generated/\n",
            "shop/models.py": MODELS,
            "shop/views.py": BROKEN,
            "generated/views.py": BROKEN,
        },
    )


def test_a_folder_search_skips_what_git_ignores(project):
    code, output = check(".")
    assert code == 1
    assert [line.split(":")[0] for line in output.splitlines()] == ["shop/views.py"]
    assert check("--show-files", ".")[1].splitlines() == [
        "shop/__init__.py",
        "shop/models.py",
        "shop/views.py",
    ]


def test_no_respect_gitignore_and_the_setting_search_ignored_files_too(project):
    _, output = check("--no-respect-gitignore", ".")
    assert [line.split(":")[0] for line in output.splitlines()] == ["generated/views.py", "shop/views.py"]
    (project / "pyproject.toml").write_text("[tool.asyncdj-lint]\nrespect-gitignore = false\n")
    assert check(".")[1] == output
    assert check("--respect-gitignore", "--show-files", ".")[1].splitlines()[0] == "shop/__init__.py"


def test_a_named_ignored_file_is_linted_unless_force_exclude(project):
    assert check("generated/views.py")[0] == 1
    code, output = check("--force-exclude", "generated/views.py")
    assert code == 0
    assert "ADJ101" not in output


def test_respect_gitignore_must_be_a_boolean(project):
    (project / "pyproject.toml").write_text('[tool.asyncdj-lint]\nrespect-gitignore = "no"\n')
    code, output = check(".")
    assert code == 2
    assert "`respect-gitignore` must be true or false" in output


def test_a_dangling_link_met_while_walking_is_reported_once(repo):
    write_files(repo, {"shop/models.py": MODELS, "shop/views.py": "from shop.gone import x\n"})
    (repo / "shop" / "gone.py").symlink_to(repo / "nowhere.py")
    for _ in range(2):  # cold, then the cached outcome
        result = CliRunner().invoke(main, ["check", "."])
        assert result.exit_code == 1, result.output
        assert result.stdout == (
            "shop/gone.py:1:1: ADJ001 cannot check this file: FileNotFoundError: "
            "[Errno 2] No such file or directory: 'shop/gone.py'\n"
        )


def test_a_file_that_cannot_be_read_while_walking_is_reported(repo, monkeypatch):
    write_files(repo, {"shop/models.py": MODELS, "shop/views.py": BROKEN, "shop/locked.py": "x = 1\n"})
    read_bytes = Path.read_bytes

    def refuse_locked(path: Path) -> bytes:
        if path.name == "locked.py":
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse_locked)
    monkeypatch.setenv("ASYNCDJ_LINT_JOBS", "1")  # the patched read stays in this process
    result = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert result.exit_code == 1, result.output
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()[:2]] == [
        ["shop/locked.py:1:1:", "ADJ001"],
        ["shop/views.py:5:12:", "ADJ101"],
    ]
    assert "PermissionError: [Errno 13] Permission denied" in result.stdout
