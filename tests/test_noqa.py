"""`# noqa` comments: per line, per statement and per file, the same for the CLI and flake8; unused ones (ADJ002)."""

from __future__ import annotations

import pytest

from asyncdj_lint.fixes import Safety, apply_fixes
from tests.helpers import lint_snippet, write_files
from tests.test_integrations import asyncdj_lint, flake8

MODELS = "from django.db import models\n\n\nclass Product(models.Model):\n    pass\n"
HEAD = "from shop.models import Product\n\n\n"
TWO = HEAD + (
    "async def view(request):\n"
    "    a = Product.objects.get(pk=1)\n"
    "    b = Product.objects.count()\n"
    "    await a.asave()\n"
    "    return b\n"
)


def found(code: str, select: tuple[str, ...] = ("ADJ1",)) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in lint_snippet(code, select=select)]


def test_a_file_level_exemption_silences_every_code_or_the_listed_ones():
    assert found(TWO) == [(5, "ADJ101"), (6, "ADJ101")]
    assert found("# asyncdj-lint: noqa\n" + TWO) == []
    assert found("# flake8: noqa\n" + TWO) == []
    assert found("#ASYNCDJ-LINT:NOQA:ADJ101\n" + TWO) == []
    assert found("# asyncdj-lint: noqa: ADJ2, ADJ105\n" + TWO) == [(6, "ADJ101"), (7, "ADJ101")]
    assert found("# asyncdj-lint: noqa: ADJ1\n" + TWO) == []


def test_file_level_forms_that_exempt_nothing():
    # flake8 ignores `flake8: noqa` with codes (it does not skip the file); a trailing one is not file-level.
    assert found("# flake8: noqa: ADJ101\n" + TWO) == [(6, "ADJ101"), (7, "ADJ101")]
    assert found("x = 1  # asyncdj-lint: noqa\n" + TWO) == [(6, "ADJ101"), (7, "ADJ101")]
    assert found('X = """\n# asyncdj-lint: noqa\n"""\n' + TWO) == [(8, "ADJ101"), (9, "ADJ101")]


MULTI_LINE = HEAD + (
    "async def view(request):\n"
    "    names = [  # noqa: ADJ101\n"
    "        Product.objects.get(pk=1),\n"
    "        Product.objects.get(pk=2),\n"
    "    ]\n"
    "    other = [\n"
    "        Product.objects.get(pk=3),\n"
    "    ]  # noqa: ADJ101\n"
    "    if Product.objects.filter(\n"
    "        pk=Product.objects.get(pk=4).pk,\n"
    "    ).exists():  # noqa: ADJ101\n"
    "        return names\n"
    "    return other\n"
)


def test_a_noqa_on_the_first_line_of_a_statement_covers_each_of_its_lines():
    # The statement's last line does not cover its middle; a compound statement's header is one statement.
    assert found(MULTI_LINE) == [(10, "ADJ101"), (12, "ADJ101"), (13, "ADJ101")]


def test_a_noqa_on_a_header_line_covers_the_header_not_the_body():
    code = HEAD + (
        "async def view(request):\n"
        "    if (  # noqa: ADJ102\n"
        "        Product.objects.all()\n"
        "    ):\n"
        "        return Product.objects.get(pk=1)\n"
    )
    assert found(code) == [(8, "ADJ101")]


def test_the_cli_and_the_flake8_plugin_honour_the_same_comments(tmp_path):
    files = {
        "manage.py": "",
        "shop/__init__.py": "",
        "shop/models.py": MODELS,
        "shop/file_all.py": "# asyncdj-lint: noqa\n" + TWO,
        "shop/file_flake8.py": "# flake8: noqa\n" + TWO,
        "shop/file_codes.py": "# asyncdj-lint: noqa: ADJ105\n" + TWO,
        "shop/file_other.py": "# asyncdj-lint: noqa: ADJ101\n" + TWO.replace("await a.asave()", "a.asave()"),
        "shop/multi.py": MULTI_LINE,
        "shop/plain.py": TWO,
    }
    project = write_files(tmp_path, files)
    cli = asyncdj_lint(project, "shop")
    assert [line.split(" ")[0] for line in cli] == [
        "shop/file_codes.py:6:9:",
        "shop/file_codes.py:7:9:",
        "shop/file_other.py:8:5:",
        "shop/multi.py:10:9:",
        "shop/multi.py:12:8:",
        "shop/multi.py:13:12:",
        "shop/plain.py:5:9:",
        "shop/plain.py:6:9:",
    ]
    assert flake8(project, "shop") == cli


def lint_fixed(code: str, select: tuple[str, ...] = ("ADJ",)) -> tuple[list[str], str]:
    diagnostics = lint_snippet(code, select=select)
    unused = [d for d in diagnostics if d.code == "ADJ002"]
    fixes = [d.fix for d in unused if d.fix is not None]
    assert len(fixes) == len(unused) and all(fix.safety is Safety.SAFE for fix in fixes)
    return [f"{d.line}:{d.column} {d.message}" for d in unused], apply_fixes(code, fixes).source


@pytest.mark.parametrize(
    ("line", "fixed"),
    [
        ("x = 1  # noqa: ADJ101", "x = 1"),
        ("x = 1  # noqa: ADJ101 - kept for the migration", "x = 1  # kept for the migration"),
        ("x = 1  # type: ignore  # noqa: ADJ101,ADJ5", "x = 1  # type: ignore"),
        ("x = 1  # noqa:ADJ101,E501", "x = 1  # noqa: E501"),
        ("x = 1  # NOQA: ADJ1", "x = 1"),
    ],
)
def test_an_unused_code_is_reported_and_its_safe_fix_removes_it(line, fixed):
    messages, source = lint_fixed(HEAD + line + "\n")
    assert len(messages) == 1 and messages[0].startswith("4:8 `# noqa` lists `ADJ")
    assert source == HEAD + fixed + "\n"


def test_only_codes_of_enabled_rules_count_and_used_codes_are_kept():
    line = (
        "async def view(request):\n    return Product.objects.get(pk=1)  # noqa: ADJ101, ADJ7, E501, ADJ105\n"
    )
    # ADJ7 rules are advisory and off unless selected; E501 is another tool's; ADJ101 suppressed a finding.
    messages, source = lint_fixed(HEAD + line, select=("ADJ0", "ADJ1"))
    assert messages == ["5:39 `# noqa` lists `ADJ105`, which suppresses no finding here; remove it"]
    assert source == HEAD + line.replace(", ADJ105", "")
    assert lint_fixed(HEAD + line, select=("ADJ1",))[0] == []  # ADJ002 itself is off
    messages, _ = lint_fixed(HEAD + line, select=("ADJ",))
    assert messages == ["5:39 `# noqa` lists `ADJ7`, `ADJ105`, which suppress no finding here; remove them"]


def test_bare_noqa_exempted_files_and_strings_are_never_reported():
    assert lint_fixed(HEAD + "x = 1  # noqa\n")[0] == []
    assert lint_fixed("# asyncdj-lint: noqa: ADJ002\n" + HEAD + "x = 1  # noqa: ADJ101\n")[0] == []
    assert lint_fixed(HEAD + 'x = "# noqa: ADJ101"\n')[0] == []


def test_a_noqa_covering_a_line_of_a_multi_line_statement_is_used():
    assert lint_fixed(MULTI_LINE, select=("ADJ002", "ADJ1"))[0] == [
        "11:8 `# noqa` lists `ADJ101`, which suppresses no finding here; remove it",
        "14:18 `# noqa` lists `ADJ101`, which suppresses no finding here; remove it",
    ]


def test_a_crlf_file_keeps_its_line_endings():
    code = (HEAD + "x = 1  # noqa: ADJ101\ny = 2\n").replace("\n", "\r\n")
    _, source = lint_fixed(code)
    assert source == (HEAD + "x = 1\ny = 2\n").replace("\n", "\r\n")


def test_a_file_with_a_match_statement_and_a_finding_is_checked():
    code = """\
from shop.models import Product


async def detail(request, kind):
    match kind:
        case "one":
            return Product.objects.get(pk=1)  # noqa: ADJ101
        case _:
            return Product.objects.get(pk=2)
"""
    assert [(d.line, d.code) for d in lint_snippet(code)] == [(9, "ADJ101")]
