"""Bad input never breaks a run: each case is one file (or setting) a user met, run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from asyncdj_lint import parse_guard

BLOCKING_VIEW = "import time\n\nasync def view(request):\n    time.sleep(1)\n"


def cli(*args: str, cwd: Path, jobs: int = 1, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command in a subprocess, so that a crash of the process is seen as such."""
    env = {**os.environ, "ASYNCDJ_LINT_JOBS": str(jobs)}
    return subprocess.run(
        [sys.executable, "-m", "asyncdj_lint", *args],
        cwd=cwd,
        env=env,
        input=None if stdin is None else stdin.decode("latin-1"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


DEEP_FILES = {
    "parens.py": "x = " + "(" * 1500 + "1" + ")" * 1500 + "\n",
    "lists.py": "x = " + "[" * 5000 + "]" * 5000 + "\n",
    "elifs.py": "if x == 0:\n    pass\n" + "".join(f"elif x == {i}:\n    pass\n" for i in range(1, 10_000)),
    "ors.py": "x = " + " or ".join(["a"] * 8000) + "\n",
    "methods.py": "x = y" + ".filter()" * 500 + "\n",
}


@pytest.mark.parametrize("jobs", [1, 2])
def test_deeply_nested_files_get_adj001_or_are_judged_and_every_other_file_is_reported(tmp_path, jobs):
    for name, code in DEEP_FILES.items():
        (tmp_path / name).write_text(BLOCKING_VIEW + code)
    (tmp_path / "plain.py").write_text(BLOCKING_VIEW)
    run = cli("--no-cache", "--select", "ADJ", ".", cwd=tmp_path, jobs=jobs)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    reported = {line.split(":")[0]: line for line in run.stdout.splitlines() if ".py:" in line}
    assert set(reported) == {*DEEP_FILES, "plain.py"}
    assert "ADJ001" in reported["parens.py"] and "nested parentheses" in reported["parens.py"]
    assert "ADJ001" in reported["lists.py"]
    for name in ("elifs.py", "ors.py", "methods.py", "plain.py"):  # valid Python: judged
        assert "ADJ512" in reported[name] or "too deeply nested" in reported[name]


def test_bracket_depth_skips_strings_and_comments():
    assert parse_guard.bracket_depth(b"x = [(1, {2: 3})]\n") == 3
    opened = b"x = '" + b"(" * 300 + b"'  # " + b"[" * 300 + b"\n"
    assert parse_guard.bracket_depth(opened + b'y = """' + b"{" * 300 + b'"""\n') == 0
    assert parse_guard.bracket_depth(b"x = " + b"(" * 201 + b")" * 201) == 201


def test_files_libcst_parses_in_quadratic_time_are_reported_within_the_probe_time(tmp_path):
    import time

    project(
        tmp_path,
        {
            "chain.py": BLOCKING_VIEW + "x = y" + ".f()" * 5000 + "\n",  # 21 s for 2,000 calls unbounded
            "plus.py": BLOCKING_VIEW + "x = 1" + "+1" * 10_000 + "\n",  # 5,000 terms: 22 s unbounded
            "data.py": BLOCKING_VIEW
            + "x = ["
            + ", ".join(["123456"] * 125_000)
            + "]\n",  # 1 MB: 81 s, 2.2 GB
        },
    )
    started = time.perf_counter()
    run = cli("--no-cache", ".", cwd=tmp_path, jobs=2)
    assert time.perf_counter() - started < 3 * parse_guard.PROBE_SECONDS + 30
    assert run.returncode == 1, run.stderr
    for name in ("chain.py", "plus.py"):
        assert f"{name}:1:1: ADJ001 cannot check this file: too complex to parse within" in run.stdout
    # The 1 MB list parses in about the probe's time: judged if it made it, else ADJ001.
    assert "data.py:1:1: ADJ001" in run.stdout or "data.py:4:5: ADJ512" in run.stdout


NEWER_SYNTAX = {
    "pep695.py": "type Point[T] = tuple[T, T]\ndef first[T](x: list[T]) -> T:\n    return x[0]\n",
    "pep696.py": "class Box[T = int]:\n    pass\n",
    "pep701.py": 'name = "x"\ngreeting = f"{"hello" + f"{name}"}"\n',
    "pep758.py": "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
    "tstring.py": 'name = "x"\ntemplate = t"hello {name}"\n',
    "digits.py": "n = " + "7" * 5000 + "\n",
}


@pytest.mark.parametrize("walked", [False, True])
def test_a_file_valid_for_a_newer_python_is_never_adj001(tmp_path, walked):
    from asyncdj_lint.api import lint_paths
    from asyncdj_lint.options import LintOptions, RuleSelection

    for name, code in NEWER_SYNTAX.items():
        (tmp_path / name).write_text(code + ("\nasync def view(request):\n    pass\n" if walked else ""))
    options = LintOptions(selection=RuleSelection(select=("ADJ",)), cache=False)
    assert [d.code for d in lint_paths([tmp_path], options).diagnostics] == []


def test_adj001_position_and_text_do_not_depend_on_the_selection(tmp_path):
    from asyncdj_lint.api import lint_paths
    from asyncdj_lint.options import LintOptions, RuleSelection

    (tmp_path / "old.py").write_text('async def view(request):\n    print "x"\n')
    found = set()
    for select in (("ADJ001",), ("ADJ",)):
        options = LintOptions(selection=RuleSelection(select=select), cache=False)
        [problem] = lint_paths([tmp_path], options).diagnostics
        found.add((problem.code, problem.line, problem.column, problem.message))
    assert len(found) == 1 and next(iter(found))[:2] == ("ADJ001", 2)


def check(root: Path, *args: str, stdin: bytes | None = None, cache: bool = False) -> tuple[int, str]:
    """`asyncdj-lint check ARGS` in `root`, in-process: any exception fails the test."""
    from click.testing import CliRunner

    from asyncdj_lint.cli import main

    cwd = os.getcwd()
    os.chdir(root)
    try:
        flags = [] if cache else ["--no-cache"]
        result = CliRunner().invoke(main, ["check", *flags, *args], input=stdin, catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.output


def project(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            (root / name).write_bytes(text)
        else:
            (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pyproject.toml", b'[tool.x]\nname = "\xff"\n', "not UTF-8"),
        ("pyproject.toml", "tool = 1\n", "`tool` must be a table"),
        ("pyproject.toml", '[tool.asyncdj-lint]\nselect = [""]\n', 'unknown rule code or prefix: ""'),
    ],
)
def test_a_broken_pyproject_is_a_message_and_exit_2(tmp_path, name, text, message):
    root = project(tmp_path, {name: text, "a.py": "x = 1\n"})
    code, output = check(root, ".")
    assert code == 2 and message in output


def test_a_non_utf8_pyproject_above_the_path_is_a_message_and_exit_2(tmp_path):
    root = project(tmp_path, {"pyproject.toml": b"[project]\nname = '\xff'\n", "app/a.py": "x = 1\n"})
    code, output = check(root / "app", ".")
    assert code == 2 and "pyproject.toml" in output


@pytest.mark.parametrize(
    "files",
    [
        {"pyproject.toml": '[project]\nname = "a"\noptional-dependencies = ["django"]\n'},
        {"pyproject.toml": "[tool.poetry]\ndependencies = 1\n"},
        {"pyproject.toml": '[project]\nname = "a"\n', "uv.lock": 'package = [1, "x"]\n'},
        {"pyproject.toml": '[project]\nname = "a"\n', "uv.lock": "[[package]]\nname = 1\nversion = [\n"},
    ],
)
def test_malformed_requirements_leave_the_django_version_to_the_default(tmp_path, files):
    root = project(tmp_path, {**files, "a.py": BLOCKING_VIEW})
    code, output = check(root, ".")
    assert code == 1 and "ADJ512" in output


def test_a_long_digit_run_in_a_lock_file_version_is_read_in_linear_time(tmp_path):
    import time

    lock = '[[package]]\nname = "django"\nversion = "' + "1" * 24_000 + ' x"\n'
    root = project(
        tmp_path, {"pyproject.toml": '[project]\nname = "a"\n', "uv.lock": lock, "a.py": "x = 1\n"}
    )
    started = time.perf_counter()
    assert check(root, ".")[0] == 0
    assert time.perf_counter() - started < 5  # 14 s with the quadratic pattern


def test_literals_python_cannot_build_in_an_indexed_module_are_not_an_error(tmp_path):
    models = (
        "from django.db import models\n"
        "class Product(models.Model):\n"
        '    tag = models.ForeignKey("\\N{nope}", related_name="\\N{bad}", on_delete=models.CASCADE)\n'
        "    size = models.IntegerField(default=" + "7" * 5000 + ")\n"
    )
    views = "from shop.models import Product\n\nasync def view(request):\n    return Product.objects.get()\n"
    root = project(
        tmp_path, {"manage.py": "", "shop/__init__.py": "", "shop/models.py": models, "shop/views.py": views}
    )
    code, output = check(root, ".")
    assert code == 1 and "shop/views.py:4:12: ADJ101" in output


@pytest.mark.parametrize("index", ["12345678901234567890", "7" * 5000])
def test_a_huge_middleware_insert_index_is_not_an_error(tmp_path, index):
    settings = f'MIDDLEWARE = []\nMIDDLEWARE.insert({index}, "x.Y")\nASGI_APPLICATION = "a.b"\n'
    root = project(tmp_path, {"manage.py": "", "settings.py": settings})
    code, output = check(root, "--select", "ADJ", ".")
    assert code in (0, 1) and "internal error" not in output


def test_a_baseline_entry_without_a_fingerprint_is_a_message_and_exit_2(tmp_path):
    entry = '{"asyncdj-lint-baseline": 1, "findings": [{"code": "ADJ512", "path": "a.py"}]}'
    root = project(tmp_path, {"a.py": BLOCKING_VIEW, "b.json": entry})
    code, output = check(root, "--baseline", "b.json", ".")
    assert code == 2 and "without a fingerprint" in output


def test_writing_a_baseline_into_a_missing_folder_is_a_message_and_exit_2(tmp_path):
    root = project(tmp_path, {"a.py": BLOCKING_VIEW})
    code, output = check(root, "--write-baseline", "missing/b.json", ".")
    assert code == 2 and "cannot write the baseline" in output


def test_a_latin1_buffer_on_stdin_is_adj001(tmp_path):
    root = project(tmp_path, {"a.py": "x = 1\n"})
    code, output = check(
        root, "--stdin-filename", "a.py", "-", stdin=b'async def v(request):\n    s = "\xe9"\n'
    )
    assert code == 1 and "a.py:1:1: ADJ001" in output and "decode" in output


@pytest.mark.parametrize("args", [("--target-django", "9"), ("--target-django", "1.8")])
def test_a_django_version_that_does_not_exist_is_rejected(tmp_path, args):
    code, output = check(project(tmp_path, {"a.py": "x = 1\n"}), *args, ".")
    assert code == 2 and "no Django" in output


def test_the_result_cache_is_shared_however_the_tree_is_named(tmp_path, monkeypatch):
    from asyncdj_lint import api
    from asyncdj_lint.options import LintOptions

    root = project(tmp_path, {"manage.py": "", "app/views.py": BLOCKING_VIEW})
    monkeypatch.chdir(root)
    first = api.lint_paths([Path(".")], LintOptions())
    assert [(d.path, d.code) for d in first.diagnostics] == [("app/views.py", "ADJ512")]

    def no_linting(*args: object) -> None:
        raise AssertionError("linted again instead of reusing the cached result")

    monkeypatch.setattr(api.LintSession, "lint_file", no_linting)
    for named, shown in ((root, root / "app/views.py"), (Path("app"), Path("app/views.py"))):
        again = api.lint_paths([named], LintOptions())
        assert [(d.path, d.code) for d in again.diagnostics] == [(str(shown), "ADJ512")]


SHIFTING = (
    "import time\n# a form feed \x0c and a line separator \u2028 in a comment\n\nasync def view(request):\n"
)


def test_form_feeds_and_line_separators_do_not_shift_noqa_or_the_shown_line(tmp_path):
    root = project(tmp_path, {"a.py": SHIFTING + "    time.sleep(1)  # noqa: ADJ512\n    time.sleep(2)\n"})
    code, output = check(root, "--output-format", "full", "a.py")
    assert code == 1 and "a.py:6:5: ADJ512" in output and "a.py:5" not in output
    assert "time.sleep(2)" in output


def test_add_noqa_counts_lines_as_python_does_and_leaves_strings_alone(tmp_path):
    text = SHIFTING + '    time.sleep(1); note = "# noqa: ADJ101"\n'
    root = project(tmp_path, {"a.py": text})
    assert check(root, "--add-noqa", "a.py")[0] == 0
    assert (
        root / "a.py"
    ).read_text() == SHIFTING + '    time.sleep(1); note = "# noqa: ADJ101"  # noqa: ADJ512\n'


def test_add_noqa_replaces_the_file_keeping_mode_bom_and_line_endings(tmp_path):
    original = ("\ufeff" + BLOCKING_VIEW.replace("\n", "\r\n")).encode("utf-8")
    root = project(tmp_path, {"a.py": original})
    (root / "a.py").chmod(0o640)
    inode = (root / "a.py").stat().st_ino
    assert check(root, "--add-noqa", "a.py")[0] == 0
    written = (root / "a.py").read_bytes()
    assert written == original.replace(b"time.sleep(1)\r\n", b"time.sleep(1)  # noqa: ADJ512\r\n")
    assert (root / "a.py").stat().st_mode & 0o777 == 0o640
    assert (root / "a.py").stat().st_ino != inode  # a new file renamed into place, not truncated
    assert [p.name for p in root.iterdir() if p.name.startswith(".a.py")] == []


def test_add_noqa_never_writes_through_a_link_to_a_file_outside_the_project(tmp_path):
    outside = project(tmp_path / "outside", {"shared.py": BLOCKING_VIEW})
    root = project(tmp_path / "project", {"manage.py": ""})
    (root / "linked.py").symlink_to(outside / "shared.py")
    code, output = check(root, "--add-noqa", ".")
    assert code == 0 and "outside the project" in output
    assert (outside / "shared.py").read_text() == BLOCKING_VIEW


def test_a_committed_cache_folder_link_is_not_followed(tmp_path):
    elsewhere = project(tmp_path / "elsewhere", {"summaries-keep.pickle": "mine"})
    root = project(tmp_path / "project", {"manage.py": "", "a.py": BLOCKING_VIEW})
    (root / ".asyncdj-lint-cache").symlink_to(elsewhere, target_is_directory=True)
    for _ in range(2):
        assert check(root, ".", cache=True)[0] == 1
    assert sorted(p.name for p in elsewhere.iterdir()) == ["summaries-keep.pickle"]


def test_a_dangling_gitignore_link_in_the_cache_folder_is_not_followed(tmp_path):
    root = project(tmp_path / "project", {"manage.py": "", "a.py": BLOCKING_VIEW})
    (root / ".asyncdj-lint-cache").mkdir()
    (root / ".asyncdj-lint-cache" / ".gitignore").symlink_to(tmp_path / "planted")
    assert check(root, ".", cache=True)[0] == 1
    assert not (tmp_path / "planted").exists()


def test_help_lists_the_commands_and_the_exit_codes_with_aligned_examples(tmp_path):
    code, output = check(tmp_path, "--help")
    assert code == 0 and "Commands:" in output and "Exit codes:" in output
    for command in ("asyncdj-lint check", "asyncdj-lint rule"):
        assert command in output
    examples = output.split("Examples:")[1].split("Exit codes:")[0]
    columns = {line.index(line.split("  ")[-1].strip()) for line in examples.splitlines() if line.strip()}
    assert len(columns) == 1


def test_a_run_without_python_files_says_so(tmp_path):
    root = project(tmp_path, {"README.md": "x\n", "docs/a.txt": "x\n"})
    code, output = check(root, ".")
    assert code == 0 and "no Python files found" in output


def test_a_named_non_python_file_is_refused(tmp_path):
    root = project(tmp_path, {"README.md": "x\n"})
    code, output = check(root, "README.md")
    assert code == 2 and "not a Python file" in output


def test_a_folder_without_a_marker_in_a_git_checkout_says_the_checkout_is_the_project(tmp_path):
    root = project(tmp_path, {".git/HEAD": "ref: refs/heads/main\n", "sub/a.py": BLOCKING_VIEW})
    code, output = check(root / "sub", ".")
    assert code == 1 and "the whole checkout is the project" in output and str(root) in output
    assert "whole checkout" not in check(project(tmp_path, {"sub/manage.py": ""}) / "sub", ".")[1]


def test_a_config_file_outside_the_project_does_not_move_its_root(tmp_path):
    shared = project(tmp_path / "shared", {"pyproject.toml": '[tool.asyncdj-lint]\nselect = ["ADJ"]\n'})
    models = "from django.db import models\n\nclass Product(models.Model):\n    pass\n"
    views = "from shop.models import Product\n\nasync def view(request):\n    return Product.objects.get()\n"
    root = project(
        tmp_path / "app",
        {"manage.py": "", "shop/__init__.py": "", "shop/models.py": models, "shop/views.py": views},
    )
    code, output = check(root, "--config", str(shared / "pyproject.toml"), "shop/views.py")
    assert code == 1 and "shop/views.py:4:12: ADJ101" in output


def test_a_noqa_inside_a_string_literal_suppresses_nothing(tmp_path):
    root = project(
        tmp_path, {"a.py": BLOCKING_VIEW.replace("time.sleep(1)", 'time.sleep(1); note = "# noqa"')}
    )
    code, output = check(root, "a.py")
    assert code == 1 and "a.py:4:5: ADJ512" in output


def test_template_names_and_context_keys_python_cannot_build_are_not_an_error(tmp_path):
    view = (
        "from django.shortcuts import render\n\n"
        "async def view(request):\n"
        '    return render(request, "\\N{nope}.html", {"\\N{bad}": request.user})\n'
    )
    root = project(tmp_path, {"manage.py": "", "views.py": view})
    code, output = check(root, "--select", "ADJ", ".")
    assert code in (0, 1) and "internal error" not in output


def test_a_global_statement_at_module_level_resolves_to_the_module_binding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`global x` at module level is legal and a no-op; looking `x` up once climbs to the module once.

    It used to jump from the module to the module scope again, forever (a field
    project's game loop hung the run). The climbs are counted, so a regression
    fails here instead of hanging the suite.
    """
    import libcst as cst

    from asyncdj_lint.analysis.scopes import Scope, ValueBinding

    module = cst.parse_module(
        "global delta\ndelta = 0.0\n\nasync def tick():\n    global delta\n    delta = 1.0\n"
    )
    climbs = 0
    climb = Scope.module_scope.fget
    assert climb is not None

    def counted(scope: Scope) -> Scope:
        nonlocal climbs
        climbs += 1
        if climbs > 10:
            raise AssertionError("Scope.lookup keeps climbing to the module scope")
        return climb(scope)

    monkeypatch.setattr(Scope, "module_scope", property(counted))
    module_scope = Scope(module, None)
    function = module.body[2]
    assert isinstance(function, cst.FunctionDef)
    found_at_module = module_scope.lookup("delta")
    found_in_function = Scope(function, module_scope).lookup("delta")
    assert found_at_module is not None and found_at_module[0] is module_scope
    assert found_in_function is not None and found_in_function[0] is module_scope
    assert [type(binding) for binding in found_at_module[1]] == [ValueBinding]
    assert climbs == 1


def test_a_module_level_global_does_not_stop_a_run(tmp_path: Path) -> None:
    """The whole file is checked: the async view below it is still reported."""
    (tmp_path / "game.py").write_text(
        "import time\n\nglobal delta\ndelta = 0.0\n\n"
        "async def view(request):\n    global delta\n    delta = 1.0\n    time.sleep(1)\n"
    )
    result = cli("--no-cache", "--output-format", "concise", "game.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "ADJ" in result.stdout and "game.py:9:" in result.stdout
