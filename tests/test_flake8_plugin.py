"""The flake8 plugin class, called in-process as flake8 calls it."""

from __future__ import annotations

import pytest

from asyncdj_lint import flake8_plugin
from asyncdj_lint.flake8_plugin import Plugin
from tests.helpers import write_files

MODELS = "from django.db import models\n\n\nclass Product(models.Model):\n    pass\n"
SAVED = "from shop.models import Product\n\n\nasync def v(request):\n    return 1\n"
UNSAVED = "from shop.models import Product\n\n\nasync def v(request):\n    return Product.objects.count()\n"


@pytest.fixture(autouse=True)
def _fresh_projects(monkeypatch):
    monkeypatch.setattr(flake8_plugin, "_SESSIONS", {})


def findings(filename, source: str) -> list[tuple[int, int, str]]:
    return [
        (line, col, text.split(" ")[0])
        for line, col, text, _ in Plugin(None, str(filename), source.splitlines(True)).run()
    ]


def test_the_plugin_checks_the_text_flake8_read_with_zero_based_columns(tmp_path):
    write_files(
        tmp_path, {"manage.py": "", "shop/__init__.py": "", "shop/models.py": MODELS, "shop/views.py": SAVED}
    )
    assert findings(tmp_path / "shop" / "views.py", UNSAVED) == [(5, 11, "ADJ101")]


def test_the_plugin_reads_the_projects_configuration(tmp_path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.asyncdj-lint]\nignore = ["ADJ101"]\n',
            "shop/__init__.py": "",
            "shop/models.py": MODELS,
        },
    )
    assert findings(tmp_path / "shop" / "views.py", UNSAVED) == []


def test_a_bad_configuration_is_one_finding_on_line_1(tmp_path):
    write_files(tmp_path, {"pyproject.toml": "[tool.asyncdj-lint]\nselectt = []\n"})
    ((line, col, text, _),) = Plugin(None, str(tmp_path / "a.py"), ["x = 1\n"]).run()
    assert (line, col) == (1, 0)
    assert text.startswith(
        f"ADJ000 asyncdj-lint configuration: {tmp_path / 'pyproject.toml'}: unknown key `selectt`"
    )
