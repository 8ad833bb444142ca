"""ADJ606 judges the MIDDLEWARE list Django ends up with, in a project served over ASGI."""

from __future__ import annotations

from pathlib import Path

from asyncdj_lint.api import lint_paths
from asyncdj_lint.options import LintOptions
from asyncdj_lint.rules.base import RuleSelection
from tests.helpers import write_files

LEGACY = """\
class LegacyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
"""
MANAGE = """\
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings.prod")
"""
BASE = """\
ASGI_APPLICATION = "site_config.asgi.application"
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "legacy.LegacyMiddleware",
]
"""


def adj606(root: Path, files: dict[str, str], settings_module: str | None = None) -> list[str]:
    """`path:line: message` of each ADJ606 finding in the project made of `files`."""
    write_files(root, {"legacy.py": LEGACY, **files})
    options = LintOptions(selection=RuleSelection(select=("ADJ606",)), settings_module=settings_module)
    return [
        f"{Path(d.path).relative_to(root).as_posix()}:{d.line}: {d.message}"
        for d in lint_paths([root], options).diagnostics
    ]


def project(prod: str) -> dict[str, str]:
    return {
        "manage.py": MANAGE,
        "site_config/__init__.py": "",
        "site_config/settings/__init__.py": "",
        "site_config/settings/base.py": BASE,
        "site_config/settings/prod.py": "from .base import *  # noqa: F403\n\n" + prod,
    }


def test_sync_only_middleware_left_in_the_final_list_is_reported(tmp_path):
    [finding] = adj606(tmp_path, project('MIDDLEWARE.append("django.middleware.gzip.GZipMiddleware")\n'))
    assert finding.startswith("site_config/settings/base.py:4: `legacy.LegacyMiddleware` is sync-only")


def test_middleware_removed_by_a_settings_module_that_star_imports_the_base_is_not_reported(tmp_path):
    assert adj606(tmp_path, project('MIDDLEWARE.remove("legacy.LegacyMiddleware")\n')) == []


def test_middleware_deleted_popped_or_replaced_is_not_reported(tmp_path):
    edits = (
        "del MIDDLEWARE[1]\n",
        "del MIDDLEWARE[-1:]\n",
        "MIDDLEWARE.pop()\n",
        'MIDDLEWARE[1] = "django.middleware.gzip.GZipMiddleware"\n',
        'MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]\n',
        'MIDDLEWARE = [m for m in MIDDLEWARE if m != "legacy.LegacyMiddleware"]\n',
    )
    for number, edit in enumerate(edits):
        assert adj606(tmp_path / str(number), project(edit)) == [], edit


def test_an_entry_set_by_index_assignment_is_reported_where_it_is_written(tmp_path):
    files = project('MIDDLEWARE[0] = "legacy.LegacyMiddleware"\nMIDDLEWARE.pop()\n')
    [finding] = adj606(tmp_path, files)
    assert finding.startswith("site_config/settings/prod.py:3: `legacy.LegacyMiddleware` is sync-only")


def test_a_base_that_other_settings_modules_edit_is_not_judged_on_its_own(tmp_path):
    files = project('MIDDLEWARE.remove("legacy.LegacyMiddleware")\n')
    del files["manage.py"]  # no default: the settings modules are found by their names
    assert adj606(tmp_path, files) == []


def test_a_huge_insert_index_and_a_doubling_list_do_not_crash_or_grow(tmp_path):
    edits = 'MIDDLEWARE.insert(12345678901234567890, "x.Y")\n' + "MIDDLEWARE += MIDDLEWARE\n" * 100
    assert adj606(tmp_path, project(edits)) == []
