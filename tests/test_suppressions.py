"""`--add-noqa` and the baseline (`--write-baseline`, `--baseline`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from asyncdj_lint.cli import main
from tests.helpers import write_files

MODELS = """\
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=10)
"""
VIEWS = """\
from shop.models import Product


async def detail(request, pk):
    product = Product.objects.get(pk=pk)  # look it up
    product.save()  # noqa: ADJ999
    return product


async def count(request):
    return Product.objects.count()
"""


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_files(
        tmp_path,
        {
            "pyproject.toml": "[tool.asyncdj-lint]\n",
            "shop/__init__.py": "",
            "shop/models.py": MODELS,
            "shop/views.py": VIEWS,
        },
    )


def check(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", *args], catch_exceptions=False)
    return result.exit_code, result.stdout.splitlines()


def codes(lines: list[str]) -> list[str]:
    return [" ".join(line.split(" ")[:2]) for line in lines]


def test_add_noqa_comments_each_finding_line_keeping_existing_comments_and_codes(project):
    result = CliRunner().invoke(main, ["check", "--add-noqa", "shop"])
    assert result.exit_code == 0
    assert "Added 3 noqa comments to 1 files." in result.output
    assert (project / "shop" / "views.py").read_text().splitlines()[4:10] == [
        "    product = Product.objects.get(pk=pk)  # look it up  # noqa: ADJ101",
        "    product.save()  # noqa: ADJ999, ADJ103",
        "    return product",
        "",
        "",
        "async def count(request):",
    ]
    assert check("shop") == (0, [])


def test_add_noqa_leaves_a_line_that_ends_inside_a_multi_line_string_alone(project):
    (project / "shop" / "views.py").write_text(
        "from shop.models import Product\n\n\nasync def v(request):\n"
        '    return Product.objects.get(name="""a\nb""")\n'
    )
    result = CliRunner().invoke(main, ["check", "--add-noqa", "shop"])
    assert "shop/views.py:5: the line cannot carry a comment" in result.output
    assert "Added 0 noqa comments to 0 files." in result.output
    assert (project / "shop" / "views.py").read_text().endswith('name="""a\nb""")\n')


def test_write_baseline_records_fingerprints_and_baseline_reports_only_new_findings(project):
    result = CliRunner().invoke(main, ["check", "--write-baseline", "baseline.json", "shop"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "",
        "Recorded 3 findings in baseline.json.\n",
    )
    document = json.loads((project / "baseline.json").read_text())
    assert [(f["code"], f["path"], f["line"]) for f in document["findings"]] == [
        ("ADJ101", "shop/views.py", 5),
        ("ADJ103", "shop/views.py", 6),
        ("ADJ101", "shop/views.py", 11),
    ]
    assert check("--baseline", "baseline.json", "shop") == (0, [])
    views = project / "shop" / "views.py"
    # Lines added above every finding, and one new finding: only the new one is reported.
    views.write_text(
        "import os\n\n\n" + VIEWS + "\n\nasync def other(request):\n    return Product.objects.count()\n"
    )
    code, lines = check("--baseline", "baseline.json", "shop")
    assert (code, codes(lines)) == (1, ["shop/views.py:18:12: ADJ101"])


def test_baseline_matches_from_another_working_folder(project, monkeypatch):
    check("--write-baseline", "baseline.json", "shop")
    monkeypatch.chdir(project / "shop")
    assert check("--baseline", str(project / "baseline.json"), ".") == (0, [])


def test_an_edited_line_is_a_new_finding(project):
    check("--write-baseline", "baseline.json", "shop")
    views = project / "shop" / "views.py"
    views.write_text(
        VIEWS.replace("return Product.objects.count()", "return Product.objects.filter(pk=1).count()")
    )
    assert codes(check("--baseline", "baseline.json", "shop")[1]) == ["shop/views.py:11:12: ADJ101"]


def test_a_file_that_is_not_a_baseline_is_an_error(project):
    (project / "baseline.json").write_text("[]")
    result = CliRunner().invoke(main, ["check", "--baseline", "baseline.json", "shop"])
    assert result.exit_code == 2
    assert "baseline.json: not an asyncdj-lint baseline (version 1)" in result.output
