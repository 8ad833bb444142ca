"""ADJ606 judges the MIDDLEWARE list Django ends up with, in a project served over ASGI."""

from __future__ import annotations

from pathlib import Path

from asyncdj_lint.api import lint_paths
from asyncdj_lint.options import LintOptions, RuleSelection
from tests.helpers import write_files
from tests.test_middleware_rules import LEGACY

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


def test_an_insert_placed_after_another_entry_keeps_the_list_known(tmp_path):
    # `insert(MIDDLEWARE.index(...) + 1, ...)` puts a debug middleware after a given one: the
    # entries Django ends up with are still known, and the sync-only one is still listed.
    edit = (
        "if DEBUG:\n"
        "    MIDDLEWARE.insert(\n"
        '        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,\n'
        '        "django.middleware.gzip.GZipMiddleware",\n'
        "    )\n"
    )
    [finding] = adj606(tmp_path / "after", project(edit))
    assert finding.startswith("site_config/settings/base.py:4: `legacy.LegacyMiddleware` is sync-only")
    # Placed relative to an entry the list does not have, the insert raises: nothing is known.
    missing = 'MIDDLEWARE.insert(MIDDLEWARE.index("x.Missing"), "django.middleware.gzip.GZipMiddleware")\n'
    assert adj606(tmp_path / "missing", project(missing)) == []
    # Placed relative to the sync-only entry and then popped by index: the pop takes the right one.
    before = (
        'MIDDLEWARE.insert(MIDDLEWARE.index("legacy.LegacyMiddleware") - 1, "x.Other")\nMIDDLEWARE.pop()\n'
    )
    assert adj606(tmp_path / "before", project(before)) == []


def test_an_insert_at_an_index_not_known_keeps_the_entries_but_not_their_order(tmp_path):
    # The index is computed into a variable first: the new entry is in the list, somewhere.
    edit = (
        '_at = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")\n'
        'MIDDLEWARE.insert(_at + 1, "django.middleware.gzip.GZipMiddleware")\n'
    )
    [finding] = adj606(tmp_path / "kept", project(edit))
    assert finding.startswith("site_config/settings/base.py:4: `legacy.LegacyMiddleware` is sync-only")
    # Removed by value, it is gone whatever the order; taken out by index, which one is not known.
    removed = edit + 'MIDDLEWARE.remove("legacy.LegacyMiddleware")\n'
    assert adj606(tmp_path / "removed", project(removed)) == []
    by_index = (
        "MIDDLEWARE.pop()\n",
        "del MIDDLEWARE[0]\n",
        'MIDDLEWARE[1] = "x.Y"\n',
        "MIDDLEWARE = MIDDLEWARE + []\nMIDDLEWARE.pop()\n",  # a copy keeps the order unknown
    )
    for number, later in enumerate(by_index):
        assert adj606(tmp_path / f"index{number}", project(edit + later)) == [], later


def test_a_list_imported_by_name_from_the_module_that_built_it_is_the_same_list(tmp_path):
    # A settings package star-imports its parts; one part imports MIDDLEWARE by name from the base
    # to append to it: that is the list Django ends up with, edited in place.
    files = {
        **project(""),
        "site_config/settings/prod.py": (
            "from .base import *  # noqa: F403\nfrom .debug import *  # noqa: F403\n"
        ),
        "site_config/settings/debug.py": (
            "from .base import MIDDLEWARE\n\n"
            "DEBUG = False\n"
            "if DEBUG:\n"
            '    MIDDLEWARE.append("debug_toolbar.middleware.DebugToolbarMiddleware")\n'
        ),
    }
    [finding] = adj606(tmp_path / "same", files)
    assert finding.startswith("site_config/settings/base.py:4: `legacy.LegacyMiddleware` is sync-only")
    # Imported from a module the settings never ran (or that did not build it), it is unknown.
    files["site_config/settings/debug.py"] = "from .other import MIDDLEWARE\n"
    files["site_config/settings/other.py"] = (
        'MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]\n'
    )
    assert adj606(tmp_path / "other", files) == []


def test_a_huge_insert_index_and_a_doubling_list_do_not_crash_or_grow(tmp_path):
    edits = 'MIDDLEWARE.insert(12345678901234567890, "x.Y")\n' + "MIDDLEWARE += MIDDLEWARE\n" * 100
    assert adj606(tmp_path, project(edits)) == []


MAINTENANCE = """\
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse


def maintenance_middleware(get_response):
    if not settings.MAINTENANCE_MODE:
        raise MiddlewareNotUsed

    def middleware(request):
        return HttpResponse("Back soon", status=503)

    return middleware


class AuditMiddleware:
    def __init__(self, get_response):
        if getattr(settings, "AUDIT_DISABLED", False): raise MiddlewareNotUsed("auditing is off")
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


def retired_middleware(get_response):
    raise MiddlewareNotUsed
"""
SELF_DROPPING = """\
ASGI_APPLICATION = "site_config.asgi.application"
MIDDLEWARE = [
    "ops.maintenance_middleware",
    "ops.AuditMiddleware",
    "ops.retired_middleware",
]
"""


def self_dropping(flags: str) -> dict[str, str]:
    files = project(flags)
    return {**files, "ops.py": MAINTENANCE, "site_config/settings/base.py": SELF_DROPPING}


def test_middleware_whose_factory_raises_middleware_not_used_is_judged_by_the_settings(tmp_path):
    # The settings keep both conditional middleware: Django builds them and adapts each one.
    kept = adj606(tmp_path / "kept", self_dropping("MAINTENANCE_MODE = True\nAUDIT_DISABLED = False\n"))
    assert [f.split(": ", 1)[0] for f in kept] == [
        "site_config/settings/base.py:3",
        "site_config/settings/base.py:4",
    ]
    # Turned off, Django drops them from the chain; one that always raises is never in it.
    dropped = self_dropping("MAINTENANCE_MODE = False\nAUDIT_DISABLED = True\n")
    assert adj606(tmp_path / "dropped", dropped) == []
    # A setting read from the environment, or not set at all, may drop them: silent.
    unknown = 'import os\n\nMAINTENANCE_MODE = os.environ.get("MAINTENANCE") == "1"\n'
    assert adj606(tmp_path / "unknown", self_dropping(unknown)) == []


# -- served over ASGI, or not ------------------------------------------------------

STARTPROJECT_ASGI = """\
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings.prod")

application = get_asgi_application()
"""
WSGI_ONLY_BASE = BASE.replace('ASGI_APPLICATION = "site_config.asgi.application"\n', "")


def deployed(files: dict[str, str]) -> dict[str, str]:
    """The project without ASGI_APPLICATION, with startproject's asgi.py and these deployment files."""
    return {
        **project(""),
        "site_config/settings/base.py": WSGI_ONLY_BASE,
        "site_config/asgi.py": STARTPROJECT_ASGI,
        **files,
    }


def test_a_startproject_asgi_module_while_gunicorn_serves_wsgi_is_not_asgi(tmp_path):
    files = deployed(
        {"Procfile": "release: python manage.py migrate\nweb: gunicorn site_config.wsgi:application\n"}
    )
    assert adj606(tmp_path, files) == []


def test_without_deployment_evidence_the_rule_stays_silent(tmp_path):
    assert adj606(tmp_path, deployed({})) == []


def test_an_asgi_server_command_is_named_as_the_evidence(tmp_path):
    cases = {
        "Procfile": ("web: uvicorn site_config.asgi:application --port $PORT\n", "Procfile:1"),
        "Dockerfile": (
            'FROM python:3.12\nRUN pip install uvicorn gunicorn\nCMD ["daphne", "-b", "0.0.0.0", "site_config.asgi:application"]\n',
            "Dockerfile:3",
        ),
        "docker-compose.yml": (
            "services:\n  web:\n    build: .\n    command: hypercorn site_config.asgi:application\n",
            "docker-compose.yml:4",
        ),
        "compose.yaml": (
            (
                'services:\n  web:\n    command: >\n      sh -c "python manage.py migrate &&\n'
                '      daphne -b 0.0.0.0 site_config.asgi:application"\n    ports:\n      - 8000:8000\n'
            ),
            "compose.yaml:5",
        ),
        "docker-compose.prod.yml": (
            "services:\n  web:\n    command:\n      - uvicorn\n      - site_config.asgi:application\n",
            "docker-compose.prod.yml:4",
        ),
        "bin/start.sh": (
            "#!/bin/sh\nset -e\nexec gunicorn -k uvicorn.workers.UvicornWorker site_config.asgi:application\n",
            "bin/start.sh:3",
        ),
        "gunicorn.conf.py": (
            'bind = "0.0.0.0:8000"\nworker_class = "uvicorn.workers.UvicornWorker"\n',
            "gunicorn.conf.py:2",
        ),
        "Makefile": ("serve:\n\tgranian --interface asgi site_config.asgi:application\n", "Makefile:2"),
    }
    for number, (name, (text, where)) in enumerate(cases.items()):
        [finding] = adj606(tmp_path / str(number), deployed({name: text}))
        assert finding.startswith("site_config/settings/base.py:3: `legacy.LegacyMiddleware` is sync-only"), (
            name
        )
        assert f" at {where}): Django runs it in a thread" in finding, finding


def test_installing_an_asgi_server_or_serving_wsgi_through_granian_is_not_asgi(tmp_path):
    cases = {
        "Dockerfile": "FROM python:3.12\nRUN pip install uvicorn daphne\nCMD gunicorn site_config.wsgi\n",
        "Procfile": "web: granian --interface wsgi site_config.wsgi:application\n",
        "docker-compose.yml": "services:\n  web:\n    image: uvicorn-app\n    command: uwsgi --ini uwsgi.ini\n",
    }
    for number, (name, text) in enumerate(cases.items()):
        assert adj606(tmp_path / str(number), deployed({name: text})) == [], name


def test_daphne_in_installed_apps_is_named_as_the_evidence(tmp_path):
    files = deployed(
        {"site_config/settings/prod.py": 'from .base import *  # noqa: F403\n\nINSTALLED_APPS = ["daphne"]\n'}
    )
    [finding] = adj606(tmp_path, files)
    assert '(`"daphne" in INSTALLED_APPS` at site_config/settings/prod.py:3)' in finding


def test_a_new_deployment_file_is_seen_by_a_cached_repeat_run(tmp_path):
    write_files(tmp_path, {"legacy.py": LEGACY, **deployed({})})
    options = LintOptions(selection=RuleSelection(select=("ADJ606",)), cache=True)
    assert lint_paths([tmp_path], options).diagnostics == []
    write_files(tmp_path, {"Procfile": "web: uvicorn site_config.asgi:application\n"})
    assert [d.code for d in lint_paths([tmp_path], options).diagnostics] == ["ADJ606"]
