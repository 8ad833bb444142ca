"""Reading files: discovery, unparsable input, exit codes, the project index."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from asyncdj_lint.api import lint_paths
from asyncdj_lint.cli import main
from asyncdj_lint.discovery import module_name, python_files
from asyncdj_lint.options import LintOptions, RuleSelection

BROKEN_VIEW = (
    "from shop.models import Product\n\nasync def view(request):\n    return Product.objects.get(pk=1)\n"
)
MODELS = "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n"


def make_project(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def test_unparsable_and_undecodable_files_are_reported_and_the_run_goes_on(tmp_path):
    make_project(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/models.py": MODELS,
            "shop/views.py": BROKEN_VIEW,
            "shop/broken.py": "async def view(request:\n    pass\n",
            "shop/latin.py": b"# -*- coding: utf-8 -*-\nname = '\xff\xfe'\n",
            "shop/plain_broken.py": "x = (\n",
        },
    )
    found = {(Path(d.path).name, d.code) for d in lint_paths([tmp_path]).diagnostics}
    assert found == {
        ("broken.py", "ADJ001"),
        ("latin.py", "ADJ001"),
        ("plain_broken.py", "ADJ001"),
        ("views.py", "ADJ101"),
    }


def test_cli_exit_codes_follow_ruff(tmp_path):
    make_project(tmp_path, {"shop/__init__.py": "", "shop/models.py": MODELS, "shop/views.py": BROKEN_VIEW})
    runner = CliRunner()
    assert runner.invoke(main, [str(tmp_path / "shop" / "models.py")]).exit_code == 0
    assert runner.invoke(main, [str(tmp_path)]).exit_code == 1
    assert runner.invoke(main, ["--exit-zero", str(tmp_path)]).exit_code == 0
    assert runner.invoke(main, [str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(main, ["--select", "XYZ9", str(tmp_path)]).exit_code == 2


def test_cli_prints_no_traceback_for_a_binary_file(tmp_path):
    make_project(tmp_path, {"blob.py": b"\x00\x01\x02\xff" * 10})
    result = CliRunner().invoke(main, [str(tmp_path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "blob.py:1:1: ADJ001 cannot check this file" in result.output


def test_discovery_skips_virtualenvs_and_vendored_folders_but_not_explicit_files(tmp_path):
    make_project(
        tmp_path,
        {
            "app/views.py": "",
            ".venv/lib/x.py": "",
            "node_modules/y.py": "",
            "custom_env/pyvenv.cfg": "",
            "custom_env/z.py": "",
            "build/generated.py": "",
        },
    )
    found = {p.relative_to(tmp_path).as_posix() for p in python_files([tmp_path])}
    assert found == {"app/views.py"}
    assert list(python_files([tmp_path / "build" / "generated.py"])) == [tmp_path / "build" / "generated.py"]


def test_module_name_climbs_packages(tmp_path):
    make_project(
        tmp_path, {"shop/__init__.py": "", "shop/models/__init__.py": "", "shop/models/product.py": ""}
    )
    assert module_name(tmp_path / "shop" / "models" / "product.py") == ("shop.models.product", False)
    assert module_name(tmp_path / "shop" / "models" / "__init__.py") == ("shop.models", True)


def test_models_resolved_through_package_re_exports_and_project_base_classes(tmp_path):
    make_project(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/base.py": "from django.db import models\n\nclass Base(models.Model):\n    class Meta:\n        abstract = True\n",
            "shop/__init__.py": "",
            "shop/models/__init__.py": "from .product import Product\n",
            "shop/models/product.py": "from core.base import Base\n\nclass Product(Base):\n    pass\n",
            "shop/views.py": "from shop.models import Product\n\nasync def view(request):\n    return Product.objects.first()\n",
        },
    )
    assert [(Path(d.path).name, d.code) for d in lint_paths([tmp_path]).diagnostics] == [
        ("views.py", "ADJ101")
    ]


def test_model_bases_in_a_cycle_do_not_hang(tmp_path):
    make_project(
        tmp_path,
        {
            "a.py": "from b import B\n\nclass A(B):\n    pass\n",
            "b.py": "from a import A\n\nclass B(A):\n    pass\n",
            "v.py": "from a import A\n\nasync def view(request):\n    return A.objects.get()\n",
        },
    )
    assert lint_paths([tmp_path]).diagnostics == []


def test_unknown_encoding_is_reported_at_the_first_column(tmp_path):
    make_project(tmp_path, {"bad_coding.py": b"# -*- coding: uft-8 -*-\nx = 1\n"})
    [finding] = lint_paths([tmp_path]).diagnostics
    assert (finding.code, finding.line, finding.column) == ("ADJ001", 1, 1)
    assert "unknown encoding: uft-8" in finding.message


def test_worker_processes_report_exactly_what_one_process_reports(monkeypatch):
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    options = LintOptions(selection=RuleSelection(select=("ADJ",)), cache=False)
    monkeypatch.setenv("ASYNCDJ_LINT_JOBS", "1")
    alone = lint_paths([fixtures], options).diagnostics
    monkeypatch.setenv("ASYNCDJ_LINT_JOBS", "2")
    assert lint_paths([fixtures], options).diagnostics == alone
    assert len(alone) > 20


def test_a_rule_that_fails_on_one_file_costs_that_file_only(tmp_path, monkeypatch):
    from asyncdj_lint.rules.adj104_await_lazy_queryset import AwaitLazyQuerySet

    def broken(self, node):
        raise RuntimeError("boom")

    monkeypatch.setattr(AwaitLazyQuerySet, "visit_Await", broken)
    make_project(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/models.py": MODELS,
            "shop/views.py": BROKEN_VIEW,
            "shop/other.py": "async def view(request):\n    await request.body()\n",
        },
    )
    result = CliRunner().invoke(main, ["--output-format", "concise", str(tmp_path)])
    assert result.exit_code == 2
    assert "ADJ101" in result.stdout
    assert "Traceback" not in result.output
    assert result.stderr.strip() == (
        "asyncdj-lint: internal error, file not fully checked (please report it): "
        f"{tmp_path / 'shop' / 'other.py'}: RuntimeError: boom"
    )
