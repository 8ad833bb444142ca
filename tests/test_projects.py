"""Each path belongs to its own project: one run over several projects analyses each on its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from asyncdj_lint.cli import main
from tests.helpers import write_files

VIEWS = """\
from django.contrib.auth import logout

from shop.models import Item


async def leave(request):
    logout(request)
    return Item.objects.get()
"""
A_MODEL = "from django.db import models\n\n\nclass Item(models.Model):\n    pass\n"
B_NOT_A_MODEL = "class Item:\n    objects = None\n"


@pytest.fixture
def two_projects(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_files(
        tmp_path,
        {
            "a/pyproject.toml": '[tool.asyncdj-lint]\ntarget-django = "4.2"\n',
            "a/shop/__init__.py": "",
            "a/shop/models.py": A_MODEL,
            "a/shop/views.py": VIEWS,
            "b/pyproject.toml": '[project]\nname = "b"\ndependencies = ["Django>=6.0"]\n',
            "b/shop/__init__.py": "",
            "b/shop/models.py": B_NOT_A_MODEL,
            "b/shop/views.py": VIEWS,
        },
    )


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--no-cache", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_each_project_has_its_own_models_and_django_version_whatever_the_argument_order(two_projects):
    code, forward = check("a", "b")
    assert (code, forward) == check("b", "a")
    assert code == 1
    lines = forward.splitlines()
    a_lines = [line for line in lines if line.startswith("a/")]
    b_lines = [line for line in lines if line.startswith("b/")]
    assert lines == a_lines + b_lines
    # a: Item is a model there, and Django 4.2 has no alogout()
    assert [line.split()[1] for line in a_lines] == ["ADJ503", "ADJ101"]
    assert "sync_to_async(logout)" in a_lines[0] and "Django 4.2" in a_lines[0]
    # b: Item is a plain class there, and Django 6.0 has alogout()
    assert [line.split()[1] for line in b_lines] == ["ADJ503"]
    assert "await alogout(" in b_lines[0]


def test_each_project_alone_gives_the_same_findings_as_in_a_run_with_the_other(two_projects):
    _, both = check("a/shop/views.py", "b/shop/views.py")
    _, only_a = check("a/shop/views.py")
    _, only_b = check("b/shop/views.py")
    assert both == only_a + only_b


def test_show_settings_and_show_files_cover_every_project(two_projects):
    _, settings = check("--show-settings", "b", "a")
    assert settings.count("# config file:") == 2
    assert 'target-django = "4.2"' in settings
    _, files = check("--show-files", "b", "a")
    assert files.splitlines() == [
        "a/shop/__init__.py",
        "a/shop/models.py",
        "a/shop/views.py",
        "b/shop/__init__.py",
        "b/shop/models.py",
        "b/shop/views.py",
    ]
