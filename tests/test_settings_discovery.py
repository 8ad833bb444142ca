"""Settings are found and read without importing anything; unknown values stay unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from asyncdj_lint.discovery import python_files
from asyncdj_lint.index.project import ProjectIndex
from asyncdj_lint.index.request_path.settings import ProjectSettings
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
BASE_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
)


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


def test_every_module_of_a_settings_package_but_the_bases_others_edit_is_read_when_no_default_names_one(
    tmp_path,
):
    settings = read_settings(
        tmp_path,
        package(
            {
                "config/settings/base.py": BASE,
                "config/settings/prod.py": 'from .base import *\n\nMIDDLEWARE.insert(0, "prod.First")\n',
            }
        ),
    )
    assert set(settings.roots) == {"config.settings.prod", "config.settings"}
    assert settings.middleware == ("prod.First", *BASE_MIDDLEWARE)


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
        ('MIDDLEWARE = ["a.A", "b.B", "c.C"]\ndel MIDDLEWARE[1]\n', ("a.A", "c.C")),
        ('MIDDLEWARE = ["a.A", "b.B", "c.C"]\ndel MIDDLEWARE[:2]\n', ("c.C",)),
        ('MIDDLEWARE = ["a.A", "b.B", "c.C"]\ndel MIDDLEWARE[-1:]\n', ("a.A", "b.B")),
        ('MIDDLEWARE = ["a.A", "b.B"]\nMIDDLEWARE.pop()\n', ("a.A",)),
        ('MIDDLEWARE = ["a.A", "b.B"]\nMIDDLEWARE.pop(0)\n', ("b.B",)),
        ('MIDDLEWARE = ["a.A", "b.B"]\nMIDDLEWARE[1] = "c.C"\n', ("a.A", "c.C")),
        ('MIDDLEWARE = ["a.A"]\nMIDDLEWARE = ["b.B"]\n', ("b.B",)),
        ('MIDDLEWARE = ["a.A"]\nMIDDLEWARE.insert(12345678901234567890, "b.B")\n', ("a.A", "b.B")),
        ('MIDDLEWARE = ["a.A"]\nMIDDLEWARE.insert(-12345678901234567890, "b.B")\n', ("b.B", "a.A")),
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
        'MIDDLEWARE = ["a.A"]\nMIDDLEWARE = [m for m in MIDDLEWARE if m != "b.B"]\n',
        'MIDDLEWARE = ["a.A"]\ndel MIDDLEWARE[5]\n',
        'MIDDLEWARE = ["a.A"]\nMIDDLEWARE.pop(12345678901234567890)\n',
        'MIDDLEWARE = ["a.A"]\nMIDDLEWARE[i] = "b.B"\n',
        'MIDDLEWARE = ["a.A"]\ndel MIDDLEWARE[::2]\n',
        'MIDDLEWARE = ["a.A"]\nMIDDLEWARE.remove("b.B")\n',
        'MIDDLEWARE = ["a.A"]\ndel MIDDLEWARE\n',
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


def test_asgi_application_or_an_asgi_server_app_in_installed_apps_is_evidence_of_asgi(tmp_path):
    settings = read_settings(
        tmp_path / "a", {"settings.py": 'X = 1\nASGI_APPLICATION = "x.asgi.application"\n'}
    )
    assert str(settings.asgi) == "`ASGI_APPLICATION` at settings.py:2"
    apps = 'INSTALLED_APPS = [\n    "daphne",\n    "django.contrib.admin",\n]\n'
    assert (
        str(read_settings(tmp_path / "b", {"settings.py": apps}).asgi)
        == '`"daphne" in INSTALLED_APPS` at settings.py:1'
    )
    removed = apps + 'INSTALLED_APPS.remove("daphne")\n'
    assert read_settings(tmp_path / "c", {"settings.py": removed}).asgi is None


def test_the_startproject_asgi_module_alone_is_not_evidence_of_asgi(tmp_path):
    asgi = "from django.core.asgi import get_asgi_application\n\napplication = get_asgi_application()\n"
    assert read_settings(tmp_path, package({"p/settings.py": "", "p/asgi.py": asgi})).asgi is None


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


def test_a_list_setting_that_doubles_on_every_line_is_given_up_before_it_grows(tmp_path):
    code = 'MIDDLEWARE = ["a.A"]\n' + "MIDDLEWARE += MIDDLEWARE\n" * 200
    assert read_settings(tmp_path, {"settings.py": code}).middleware == ()
