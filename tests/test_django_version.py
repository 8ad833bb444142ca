"""The Django version a project targets, read from its packaging files."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from asyncdj_lint.cli import main
from asyncdj_lint.facts.django_version import detect_target_django, lowest_admitted, project_root


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [
        (">=4.2,<5.0", (4, 2)),
        ("==5.1.*", (5, 1)),
        ("==5.1.4", (5, 1)),
        ("~=4.2.0", (4, 2)),
        ("^4.2", (4, 2)),
        ("~5.0", (5, 0)),
        (">4.2", (4, 2)),
        ("<5.0,!=4.1.*", (4, 2)),
        ("<=5.1", (5, 1)),
        (">=5", (5, 0)),
        ("", None),
        ("*", None),
        ("@ https://example.com/django.zip", None),
    ],
)
def test_lowest_admitted_version_of_a_specifier(specifier, expected):
    assert lowest_admitted(specifier) == expected


def test_requirements_txt_lower_bound_is_the_target(tmp_path):
    (tmp_path / "requirements.txt").write_text("requests\nDjango>=4.2,<5.0  # LTS\n")
    assert detect_target_django(tmp_path) == (4, 2)


def test_hashed_requirement_across_lines_is_read(tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "django==5.0.6 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\n"
    )
    assert detect_target_django(tmp_path) == (5, 0)


def test_requirements_include_is_followed(tmp_path):
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("django[argon2]==5.1.* ; python_version >= '3.10'\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements/base.txt\npytest\n")
    assert detect_target_django(tmp_path) == (5, 1)


def test_pep_621_dependencies_in_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["django-ninja", "Django~=5.0.3"]\n'
    )
    assert detect_target_django(tmp_path) == (5, 0)


def test_poetry_dependency_table_in_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry.dependencies]\npython = "^3.11"\ndjango = { version = "^4.2", extras = ["argon2"] }\n'
    )
    assert detect_target_django(tmp_path) == (4, 2)


def test_setup_cfg_install_requires(tmp_path):
    (tmp_path / "setup.cfg").write_text("[options]\ninstall_requires =\n    click\n    Django>=5.1\n")
    assert detect_target_django(tmp_path) == (5, 1)


def test_setup_py_install_requires(tmp_path):
    (tmp_path / "setup.py").write_text(
        'from setuptools import setup\nsetup(install_requires=["Django >= 4.1", "pytz"])\n'
    )
    assert detect_target_django(tmp_path) == (4, 1)


def test_pipfile_packages(tmp_path):
    (tmp_path / "Pipfile").write_text('[packages]\ndjango = "==5.0.*"\n')
    assert detect_target_django(tmp_path) == (5, 0)


def test_uv_lock_is_read_when_nothing_is_declared(tmp_path):
    (tmp_path / "uv.lock").write_text('version = 1\n[[package]]\nname = "django"\nversion = "5.1.4"\n')
    assert detect_target_django(tmp_path) == (5, 1)


def test_declared_requirement_wins_over_the_lock_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["django>=4.2"]\n')
    (tmp_path / "poetry.lock").write_text('[[package]]\nname = "Django"\nversion = "5.2.1"\n')
    assert detect_target_django(tmp_path) == (4, 2)


def test_unknown_project_targets_the_newest_lts(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project\nbroken")
    assert detect_target_django(tmp_path) == (5, 2)


def test_project_root_is_the_nearest_folder_with_a_marker(tmp_path):
    (tmp_path / "requirements.txt").write_text("django==4.2\n")
    app = tmp_path / "shop" / "views"
    app.mkdir(parents=True)
    (app / "a.py").write_text("")
    assert project_root([app / "a.py", tmp_path / "shop"]) == tmp_path


USER_ACCESS = """\
from django.http import HttpResponse


async def profile(request):
    return request.user.username
"""


def _check(folder, *args):
    result = CliRunner().invoke(main, ["check", "--select", "ADJ501", *args, str(folder)])
    return result.output


def test_cli_advice_follows_the_project_requirements(tmp_path):
    (tmp_path / "requirements.txt").write_text("Django>=4.2,<5.0\n")
    (tmp_path / "views.py").write_text(USER_ACCESS)
    assert "sync_to_async" in _check(tmp_path)
    assert "auser()" not in _check(tmp_path)


def test_target_django_option_overrides_the_requirements(tmp_path):
    (tmp_path / "requirements.txt").write_text("Django>=4.2,<5.0\n")
    (tmp_path / "views.py").write_text(USER_ACCESS)
    assert "await request.auser()" in _check(tmp_path, "--target-django", "5.2")


def test_target_django_key_in_pyproject_overrides_the_requirements(tmp_path):
    (tmp_path / "requirements.txt").write_text("Django>=5.2\n")
    (tmp_path / "pyproject.toml").write_text('[tool.asyncdj-lint]\ntarget-django = "4.2"\n')
    (tmp_path / "views.py").write_text(USER_ACCESS)
    assert "(the target, Django 4.2, predates the async variant of 5.0)" in _check(tmp_path)


def test_target_django_option_rejects_a_non_version():
    result = CliRunner().invoke(main, ["check", "--target-django", "latest", "."])
    assert result.exit_code == 2
    assert "expected a version such as 5.2, got 'latest'" in result.output


def test_show_settings_prints_the_detected_version_when_none_is_configured(tmp_path, monkeypatch):
    (tmp_path / "requirements.txt").write_text("Django>=4.2,<5.0\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--show-settings", "."])
    assert "# target-django is not set: 4.2, read from the project's requirements\n" in result.output
