"""`[tool.asyncdj-lint]` in pyproject.toml, `--config`, `--show-settings`, and flags over the file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from asyncdj_lint.cli import main
from asyncdj_lint.config import ConfigError, load_settings, to_options
from tests.helpers import write_files

BLOCKING_VIEW = """\
from shop.models import Product


async def detail(request, pk):
    return Product.objects.get(pk=pk)
"""
ITERATING_VIEW = """\
from shop.models import Product


async def names(request):
    return [p.name for p in Product.objects.all()]
"""
MODELS = """\
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=10)
"""


def make_project(root: Path, config: str) -> Path:
    files = {
        "pyproject.toml": "[tool.asyncdj-lint]\n" + textwrap.dedent(config),
        "shop/__init__.py": "",
        "shop/models.py": MODELS,
        "shop/views.py": BLOCKING_VIEW + "\n\n" + ITERATING_VIEW.split("\n", 2)[2],
        "shop/tests/__init__.py": "",
        "shop/tests/test_views.py": BLOCKING_VIEW,
        "legacy/old.py": BLOCKING_VIEW,
    }
    return write_files(root, files)


def run(root: Path, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", *args, str(root)], catch_exceptions=False)
    found = [line.removeprefix(str(root) + "/") for line in result.output.splitlines()]
    return result.exit_code, found


def test_select_from_pyproject_limits_the_rules_that_run(tmp_path):
    make_project(tmp_path, 'select = ["ADJ102"]\n')
    assert run(tmp_path) == (
        1,
        [
            (
                "shop/views.py:10:20: ADJ102 [*] a comprehension over `Product.objects.all()` evaluates the QuerySet "
                "on the event loop and raises SynchronousOnlyOperation; use `async for` in the comprehension"
            )
        ],
    )


def test_exclude_per_file_ignores_and_ignore_from_pyproject_are_applied(tmp_path):
    make_project(
        tmp_path,
        """\
        ignore = ["ADJ102"]
        extend-exclude = ["legacy"]
        per-file-ignores = { "shop/tests/*" = ["ADJ1"] }
        """,
    )
    code, found = run(tmp_path)
    assert code == 1
    assert [line.split(" ")[0:2] for line in found] == [["shop/views.py:5:12:", "ADJ101"]]


def test_command_line_select_replaces_the_files_select_and_ignore_adds_to_it(tmp_path):
    make_project(tmp_path, 'select = ["ADJ102"]\nextend-exclude = ["legacy", "tests"]\n')
    assert [line.split(" ")[1] for line in run(tmp_path, "--select", "ADJ1")[1]] == ["ADJ101", "ADJ102"]
    assert run(tmp_path, "--select", "ADJ1", "--ignore", "ADJ101")[1][0].split(" ")[1] == "ADJ102"


def test_extend_select_adds_to_the_default_rule_set():
    settings = load_settings([Path("/nonexistent")])
    assert to_options(settings).selection.select == ()
    options = to_options(type(settings)(extend_select=("ADJ104",), ignore=("ADJ1",)))
    assert "ADJ001" in options.selection.select and options.selection.select[-1] == "ADJ104"


def test_an_excluded_file_named_on_the_command_line_is_checked_unless_force_exclude(tmp_path):
    make_project(tmp_path, 'extend-exclude = ["legacy"]\n')
    files = [str(tmp_path / "legacy" / "old.py"), str(tmp_path / "shop" / "models.py")]
    assert CliRunner().invoke(main, files).exit_code == 1
    assert CliRunner().invoke(main, ["--force-exclude", *files]).exit_code == 0


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ('selct = ["ADJ1"]', "unknown key `selct` in [tool.asyncdj-lint] (known keys: select, ignore,"),
        ('select = "ADJ1"', "[tool.asyncdj-lint] `select` must be a list of strings, not 'ADJ1'"),
        ('ignore = ["XYZ1"]', "[tool.asyncdj-lint] `ignore`: unknown rule code or prefix: XYZ1"),
        (
            "target-django = 5.2",
            '`target-django` must be a Django version as "MAJOR.MINOR" (e.g. "5.2"), not 5.2',
        ),
        (
            'settings-module = "my site"',
            '`settings-module` must be a dotted module name (e.g. "mysite.settings")',
        ),
        (
            'per-file-ignores = { "a.py" = ["NOPE"] }',
            "`per-file-ignores.a.py`: unknown rule code or prefix: NOPE",
        ),
        ('blocking-calls = ["a..b"]', "`blocking-calls` must be a dotted module name"),
        ("select = [", "not valid TOML"),
    ],
)
def test_a_bad_key_or_value_is_an_error_naming_it_with_exit_code_2(tmp_path, config, error):
    (tmp_path / "pyproject.toml").write_text("[tool.asyncdj-lint]\n" + config + "\n")
    result = CliRunner().invoke(main, [str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {tmp_path / 'pyproject.toml'}: ")
    assert error in result.output
    assert "Traceback" not in result.output


def test_config_flag_reads_the_named_file_instead_of_the_nearest(tmp_path):
    make_project(tmp_path, 'select = ["ADJ102"]\n')
    other = tmp_path / "other.toml"
    other.write_text('[tool.asyncdj-lint]\nselect = ["ADJ101"]\nextend-exclude = ["legacy", "tests"]\n')
    _, found = run(tmp_path, "--config", str(other))
    assert [line.split(" ")[1] for line in found] == ["ADJ101"]


def test_show_settings_prints_the_resolved_configuration(tmp_path):
    make_project(tmp_path, 'target-django = "4.2"\nblocking-calls = ["shop.slow.fetch"]\n')
    result = CliRunner().invoke(
        main, ["--show-settings", "--select", "ADJ10", "--ignore", "ADJ105", str(tmp_path)]
    )
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:3] == [
        f"# config file: {tmp_path / 'pyproject.toml'}",
        f"# project root: {tmp_path}",
        "[tool.asyncdj-lint]",
    ]
    assert 'select = ["ADJ10"]' in lines
    assert 'ignore = ["ADJ105"]' in lines
    assert 'target-django = "4.2"' in lines
    assert 'blocking-calls = ["shop.slow.fetch"]' in lines
    assert "per-file-ignores = {}" not in lines and "# settings-module is not set" in lines
    assert lines[-1] == "# enabled rules: ADJ101, ADJ102, ADJ103, ADJ104, ADJ106, ADJ107, ADJ108, ADJ109"


def test_settings_map_onto_lint_options(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.asyncdj-lint]\ntarget-django = "5.1"\nsettings-module = "mysite.settings"\nblocking-calls = ["a.b"]\n'
    )
    options = to_options(load_settings([tmp_path]))
    assert (options.target_django, options.settings_module, options.blocking_calls, options.root) == (
        (5, 1),
        "mysite.settings",
        ("a.b",),
        tmp_path.resolve(),
    )


def test_a_pyproject_without_the_table_is_skipped_on_the_way_up(tmp_path):
    make_project(tmp_path, 'select = ["ADJ102"]\n')
    (tmp_path / "shop" / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    assert load_settings([tmp_path / "shop" / "views.py"]).config_file == tmp_path / "pyproject.toml"


def test_config_error_names_the_file():
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings([], Path("/nonexistent/pyproject.toml"))


def test_extend_inherits_from_another_configuration_and_overrides_it(tmp_path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": (
                '[tool.asyncdj-lint]\ntarget-django = "4.2"\nignore = ["ADJ105"]\n'
                'settings-module = "site.settings"\nextend-exclude = ["legacy"]\n'
            ),
            "svc/pyproject.toml": (
                '[tool.asyncdj-lint]\nextend = "../pyproject.toml"\ntarget-django = "5.1"\n'
                'ignore = ["ADJ2"]\nextend-exclude = ["old"]\n'
            ),
            "svc/app.py": "",
        },
    )
    settings = load_settings([tmp_path / "svc" / "app.py"])
    assert settings.config_file == (tmp_path / "svc" / "pyproject.toml").resolve()
    assert settings.root == (tmp_path / "svc").resolve()
    assert settings.target_django == (5, 1)
    assert settings.settings_module == "site.settings"
    assert settings.ignore == ("ADJ105", "ADJ2")
    assert settings.extend_exclude == ("legacy", "old")


def test_an_extend_cycle_is_a_configuration_error_that_names_the_files(tmp_path):
    write_files(
        tmp_path,
        {
            "a/pyproject.toml": '[tool.asyncdj-lint]\nextend = "../b/pyproject.toml"\n',
            "b/pyproject.toml": '[tool.asyncdj-lint]\nextend = "../a/pyproject.toml"\n',
        },
    )
    with pytest.raises(ConfigError, match="`extend` makes a cycle") as raised:
        load_settings([tmp_path / "a"])
    assert str(raised.value).count("pyproject.toml") == 4


def test_extend_of_a_missing_file_or_not_a_string_is_a_configuration_error(tmp_path):
    write_files(tmp_path, {"pyproject.toml": '[tool.asyncdj-lint]\nextend = "../nowhere.toml"\n'})
    with pytest.raises(ConfigError, match="`extend`: no such file"):
        load_settings([tmp_path])
    write_files(tmp_path, {"pyproject.toml": "[tool.asyncdj-lint]\nextend = 3\n"})
    with pytest.raises(ConfigError, match="`extend` must be a path"):
        load_settings([tmp_path])
