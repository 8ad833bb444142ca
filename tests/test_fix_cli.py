"""`--fix`, `--unsafe-fixes`, `--diff`, `--fix-only`, `--show-fixes`, `--exit-non-zero-on-fix`,
`--fixable` / `--unfixable`, and how a fixed file is written."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from asyncdj_lint.cli import main
from asyncdj_lint.sources import ChangedOnDisk, replace_atomically
from tests.helpers import write_files

VIEWS = """\
from django.shortcuts import get_object_or_404

from shop.models import Product


async def detail(request, pk):
    product = Product.objects.get(pk=pk)  # keep this comment
    other = get_object_or_404(Product, pk=pk)
    return product, other
"""
FIXED_SAFE = VIEWS.replace("Product.objects.get(pk=pk)", "await Product.objects.aget(pk=pk)")
MODELS = """\
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=10)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Django 4.2 has no aget_object_or_404: that fix runs the shortcut in a thread, an unsafe fix.
    files = {
        "pyproject.toml": "[project]\nname = 'x'\ndependencies = ['Django>=4.2,<5.0']\n",
        "shop/__init__.py": "",
        "shop/models.py": MODELS,
        "shop/views.py": VIEWS,
    }
    monkeypatch.chdir(tmp_path)
    return write_files(tmp_path, files)


def check(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", "--no-cache", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def views(project: Path) -> str:
    return (project / "shop/views.py").read_text()


def test_only_safe_fixes_are_marked_and_the_summary_counts_the_unsafe_ones(project: Path) -> None:
    code, out, _ = check("--output-format", "concise", "shop")
    assert code == 1
    assert [line.split(": ", 1)[1][:12] for line in out.splitlines()] == ["ADJ101 [*] `", "ADJ504 `get_"]
    _, full, _ = check("--output-format", "full", "shop")
    assert full.endswith(
        "Found 2 findings in 3 files checked.\n"
        "[*] 1 fixable with `--fix` (1 unsafe fix available with `--fix --unsafe-fixes`).\n"
    )
    _, marked, _ = check("--output-format", "concise", "--unsafe-fixes", "shop")
    assert all(" [*] " in line for line in marked.splitlines())


def test_fix_applies_safe_fixes_and_reports_what_remains(project: Path) -> None:
    code, out, err = check("--fix", "--output-format", "concise", "shop")
    assert views(project) == FIXED_SAFE
    assert code == 1
    assert [line.split(": ")[1].split()[0] for line in out.splitlines()] == ["ADJ504"]
    assert "Fixed 1 finding (1 remaining)." in err


def test_unsafe_fixes_fix_the_rest_and_the_run_then_exits_0(project: Path) -> None:
    code, out, _ = check("--fix", "--unsafe-fixes", "--output-format", "full", "shop")
    assert code == 0
    assert "await sync_to_async(get_object_or_404)(Product, pk=pk)" in views(project)
    assert "from asgiref.sync import sync_to_async" in views(project)
    assert out == "Found 2 findings (2 fixed, 0 remaining) in 3 files checked.\n"
    assert check("--fix", "--unsafe-fixes", "shop")[0] == 0


def test_diff_prints_the_fixes_and_writes_nothing(project: Path) -> None:
    code, out, err = check("--diff", "shop")
    assert code == 1
    assert views(project) == VIEWS
    assert out.startswith("--- shop/views.py\n+++ shop/views.py\n@@ ")
    assert "+    product = await Product.objects.aget(pk=pk)  # keep this comment\n" in out
    assert "sync_to_async" not in out
    assert err == "Would fix 1 finding.\n"
    check("--fix", "--unsafe-fixes", "shop")
    assert check("--diff", "--unsafe-fixes", "shop") == (0, "", "No fixes.\n")


def test_fix_only_reports_nothing_and_exit_non_zero_on_fix_says_something_was_fixed(project: Path) -> None:
    assert check("--fix-only", "shop") == (0, "", "Fixed 1 finding.\n")
    assert views(project) == FIXED_SAFE
    code, out, _ = check("--fix-only", "--unsafe-fixes", "--exit-non-zero-on-fix", "--show-fixes", "shop")
    assert code == 1
    assert out == "Fixed 1 finding:\n- shop/views.py:\n    1 \u00d7 ADJ504 (sync-404-shortcut)\n"


def test_exit_non_zero_on_fix_with_fix_exits_1_though_nothing_remains(project: Path) -> None:
    code, _, _ = check("--fix", "--unsafe-fixes", "--exit-non-zero-on-fix", "shop")
    assert code == 1
    assert check("--fix", "--unsafe-fixes", "--exit-non-zero-on-fix", "shop")[0] == 0


def test_unfixable_and_fixable_choose_the_codes_from_the_cli_and_the_config(project: Path) -> None:
    assert check("--fix", "--unsafe-fixes", "--unfixable", "ADJ1", "shop")[0] == 1
    assert "Product.objects.get(pk=pk)" in views(project) and "sync_to_async" in views(project)
    (project / "shop/views.py").write_text(VIEWS)
    with (project / "pyproject.toml").open("a") as config:
        config.write("\n[tool.asyncdj-lint]\nfixable = ['ADJ5']\n")
    check("--fix", "--unsafe-fixes", "shop")
    assert "Product.objects.get(pk=pk)" in views(project) and "sync_to_async" in views(project)
    assert check("--fixable", "ADJ99", "shop")[0] == 2  # an unknown code is a usage error


def test_json_and_sarif_carry_the_edits(project: Path) -> None:
    _, out, _ = check("--output-format", "json", "shop")
    fixes = [finding["fix"] for finding in json.loads(out)]
    assert [fix["applicability"] for fix in fixes] == ["safe", "unsafe"]
    assert fixes[1]["edits"][0] == {
        "location": {"row": 4, "column": 1},
        "end_location": {"row": 4, "column": 1},
        "content": "from asgiref.sync import sync_to_async\n",
    }
    _, out, _ = check("--output-format", "sarif", "shop")
    change = json.loads(out)["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "shop/views.py"
    assert change["replacements"][0] == {
        "deletedRegion": {"startLine": 7, "startColumn": 15, "endLine": 7, "endColumn": 15},
        "insertedContent": {"text": "await "},
    }


def test_a_fixed_file_keeps_bom_crlf_and_mode(project: Path) -> None:
    target = project / "shop/views.py"
    target.write_bytes(b"\xef\xbb\xbf" + VIEWS.replace("\n", "\r\n").encode())
    target.chmod(0o640)
    check("--fix", "shop")
    assert target.read_bytes() == b"\xef\xbb\xbf" + FIXED_SAFE.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_file_changed_on_disk_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"x = 2\n")
    with pytest.raises(ChangedOnDisk):
        replace_atomically(target, b"x = 3\n", expected=b"x = 1\n")
    assert target.read_bytes() == b"x = 2\n"
    assert os.listdir(tmp_path) == ["a.py"]
    replace_atomically(target, b"x = 3\n", expected=b"x = 2\n")
    assert target.read_bytes() == b"x = 3\n"


def check_stdin(source: str, *args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(
        main,
        ["check", "--no-cache", *args, "--stdin-filename", "shop/views.py", "-"],
        input=source.encode(),
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout_bytes, result.stderr


def test_fix_on_stdin_prints_the_fixed_source_and_the_remaining_findings_on_stderr(project: Path) -> None:
    (project / "shop/views.py").write_text("# what is on disk is not read\n")
    code, out, err = check_stdin(VIEWS, "--fix", "--output-format", "concise")
    assert out == FIXED_SAFE.encode()
    assert [line.split(": ")[1].split()[0] for line in err.splitlines()] == ["ADJ504"]
    assert code == 1
    assert views(project) == "# what is on disk is not read\n"
    code, out, err = check_stdin(VIEWS, "--fix", "--unsafe-fixes", "--output-format", "concise")
    assert b"await sync_to_async(get_object_or_404)(Product, pk=pk)" in out
    assert (code, err) == (0, "")


def test_fix_only_on_stdin_prints_the_source_even_with_nothing_to_fix(project: Path) -> None:
    assert check_stdin(VIEWS, "--fix-only") == (0, FIXED_SAFE.encode(), "Fixed 1 finding.\n")
    assert check_stdin(FIXED_SAFE, "--fix-only", "--exit-non-zero-on-fix") == (
        0,
        FIXED_SAFE.encode(),
        "Fixed 0 findings.\n",
    )
    assert check_stdin(VIEWS, "--fix-only", "--exit-non-zero-on-fix")[0] == 1


def test_diff_on_stdin_prints_the_diff_under_the_given_name(project: Path) -> None:
    code, out, err = check_stdin(VIEWS, "--diff")
    assert out.decode().splitlines()[:2] == ["--- shop/views.py", "+++ shop/views.py"]
    assert "+    product = await Product.objects.aget(pk=pk)  # keep this comment\n" in out.decode()
    assert (code, err) == (1, "Would fix 1 finding.\n")
    assert check_stdin(FIXED_SAFE, "--diff") == (0, b"", "No fixes.\n")


def test_fix_on_stdin_keeps_crlf_line_endings(project: Path) -> None:
    _, out, _ = check_stdin(VIEWS.replace("\n", "\r\n"), "--fix-only")
    assert out == FIXED_SAFE.replace("\n", "\r\n").encode()


def test_fix_never_writes_through_a_link_out_of_the_project(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "views.py"
    outside.write_text(VIEWS)
    (project / "shop/views.py").unlink()
    (project / "shop/views.py").symlink_to(outside)
    code, _, err = check("--fix", "shop")
    assert outside.read_text() == VIEWS
    assert "outside the project" in err
    assert code == 1
