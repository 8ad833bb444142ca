"""Settings are found and read without importing anything; unknown values stay unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from asyncdj_lint.discovery import python_files
from asyncdj_lint.index.project import ProjectIndex
from asyncdj_lint.index.request_path import ProjectSettings
from asyncdj_lint.index.store import SourceStore

MANAGE = """\
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""
BASE = """\
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
"""


def read_settings(
    tmp_path: Path, files: dict[str, str], settings_module: str | None = None
) -> ProjectSettings:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    store = SourceStore(list(python_files([tmp_path])))
    return ProjectIndex(store, store.mentions).request_path.settings(settings_module)


def package(files: dict[str, str]) -> dict[str, str]:
    """The files plus an empty `__init__.py` in every folder that holds one."""
    folders = {str(parent) for name in files for parent in Path(name).parents if str(parent) != "."}
    return {**{f"{folder}/__init__.py": "" for folder in folders}, **files}


def test_settings_module_is_found_from_the_default_in_manage_py(tmp_path):
    settings = read_settings(
        tmp_path,
        package(
            {
                "manage.py": MANAGE,
                "config/settings/base.py": BASE,
                "config/settings/dev.py": 'from .base import *\n\nMIDDLEWARE += ["debug.Toolbar"]\n',
                "config/settings/prod.py": 'from .base import *\n\nMIDDLEWARE.insert(0, "prod.First")\n',
            }
        ),
    )
    assert settings.roots == ("config.settings.dev",)
    assert settings.modules == {"config.settings.dev", "config.settings.base"}
    assert settings.middleware == (
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "debug.Toolbar",
    )


def test_every_module_of_a_settings_package_is_read_when_no_default_names_one(tmp_path):
    settings = read_settings(
        tmp_path,
        package(
            {
                "config/settings/base.py": BASE,
                "config/settings/prod.py": 'from .base import *\n\nMIDDLEWARE.insert(0, "prod.First")\n',
            }
        ),
    )
    assert set(settings.roots) == {"config.settings.base", "config.settings.prod", "config.settings"}
    assert settings.middleware[0] == "django.middleware.security.SecurityMiddleware"
    assert "prod.First" in settings.middleware


def test_the_settings_option_overrides_discovery(tmp_path):
    settings = read_settings(
        tmp_path,
        package(
            {"manage.py": MANAGE, "config/settings.py": BASE, "other/settings.py": 'MIDDLEWARE = ["a.B"]\n'}
        ),
        settings_module="other.settings",
    )
    assert settings.roots == ("other.settings",)
    assert settings.middleware == ("a.B",)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('MIDDLEWARE = ("a.A", "b.B")\n', ("a.A", "b.B")),
        ('MIDDLEWARE = ["a.A"]\nMIDDLEWARE.append("b.B")\n', ("a.A", "b.B")),
        ('MIDDLEWARE = ["a.A"]\nMIDDLEWARE.insert(0, "b.B")\n', ("b.B", "a.A")),
        ('MIDDLEWARE = ["a.A", "b.B"]\nMIDDLEWARE.remove("a.A")\n', ("b.B",)),
        ('COMMON = ["a.A"]\nMIDDLEWARE = COMMON + ["b.B"]\n', ("a.A", "b.B")),
        ('COMMON = ["a.A"]\nMIDDLEWARE = ["b.B", *COMMON]\n', ("b.B", "a.A")),
        ('MIDDLEWARE = ["a.A"]\nMIDDLEWARE.extend(["b.B"])\n', ("a.A", "b.B")),
    ],
)
def test_middleware_is_read_from_literals_and_list_operations(tmp_path, code, expected):
    assert read_settings(tmp_path, {"settings.py": code}).middleware == expected


@pytest.mark.parametrize(
    "code",
    [
        "MIDDLEWARE = get_middleware()\n",
        'MIDDLEWARE = ["a.A"]\nMIDDLEWARE = sorted(MIDDLEWARE)\n',
        'MIDDLEWARE = ["a.A"]\nMIDDLEWARE.reverse()\n',
        'MIDDLEWARE = OTHER + ["a.A"]\n',
    ],
)
def test_middleware_that_is_not_built_from_literals_stays_unknown(tmp_path, code):
    assert read_settings(tmp_path, {"settings.py": code}).middleware == ()


def test_atomic_requests_is_read_from_the_databases_literal_and_later_assignments(tmp_path):
    files = package(
        {
            "manage.py": MANAGE,
            "config/settings/base.py": BASE,
            "config/settings/dev.py": 'from .base import *\n\nDATABASES["default"]["ATOMIC_REQUESTS"] = True\n',
        }
    )
    assert read_settings(tmp_path, files).atomic_requests == (("default", "config.settings.dev"),)


def test_atomic_requests_turned_off_again_is_not_reported(tmp_path):
    code = (
        'DATABASES = {"default": {"NAME": "x", "ATOMIC_REQUESTS": True}}\n'
        'DATABASES["default"]["ATOMIC_REQUESTS"] = False\n'
    )
    assert read_settings(tmp_path, {"settings.py": code}).atomic_requests == ()


def test_atomic_requests_from_a_call_is_unknown(tmp_path):
    code = 'DATABASES = {"default": dj_database_url.config(conn_max_age=600)}\n'
    assert read_settings(tmp_path, {"settings.py": code}).atomic_requests == ()


def test_asgi_is_served_when_asgi_application_is_set_or_an_asgi_module_builds_the_app(tmp_path):
    assert read_settings(
        tmp_path, {"settings.py": 'ASGI_APPLICATION = "x.asgi.application"\n'}
    ).asgi_application
    asgi = "from django.core.asgi import get_asgi_application\n\napplication = get_asgi_application()\n"
    assert read_settings(tmp_path / "p", package({"p/settings.py": "", "p/asgi.py": asgi})).asgi_application
    assert not read_settings(tmp_path / "q", package({"q/settings.py": "", "q/wsgi.py": ""})).asgi_application


SYNC_ONLY = "class Legacy:\n    def __init__(self, get_response):\n        self.get_response = get_response\n\n    def __call__(self, request):\n        return self.get_response(request)\n"


def test_the_settings_command_line_option_and_configuration_key_pick_the_settings_module(
    tmp_path, monkeypatch
):
    from click.testing import CliRunner

    from asyncdj_lint.cli import main

    files = package(
        {
            "legacy.py": SYNC_ONLY,
            "site_a/settings.py": 'ASGI_APPLICATION = "x"\nMIDDLEWARE = ["legacy.Legacy"]\n',
            "site_b/settings.py": 'MIDDLEWARE = ["legacy.Legacy"]\n',
        }
    )
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    everything = runner.invoke(main, ["check", "--select", "ADJ606", "."])
    assert everything.output.count("ADJ606") == 2  # both settings modules, one of them sets ASGI_APPLICATION
    only_b = runner.invoke(main, ["check", "--select", "ADJ606", "--settings", "site_b.settings", "."])
    assert only_b.output == ""
    (tmp_path / "pyproject.toml").write_text('[tool.asyncdj-lint]\nsettings-module = "site_a.settings"\n')
    only_a = runner.invoke(main, ["check", "--select", "ADJ606", "."])
    assert only_a.output.splitlines()[0].startswith("site_a/settings.py:2:")
    assert len(only_a.output.splitlines()) == 1
