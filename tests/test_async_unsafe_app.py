"""DJANGO_ALLOW_ASYNC_UNSAFE set for the application: a query on the loop blocks it instead of raising."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from asyncdj_lint.cli import main
from tests.helpers import write_files

MODELS = "from django.db import models\n\n\nclass Product(models.Model):\n    name = models.CharField()\n"
VIEW = """\
from shop.models import Product


async def detail(request, pk):
    return Product.objects.get(pk=pk)
"""
HELPER_VIEW = """\
from shop.models import Product


def cheapest():
    return Product.objects.order_by("price").first()


async def detail(request):
    return cheapest()
"""


def _findings(root, *args):
    result = CliRunner().invoke(
        main, ["--no-cache", "--output-format", "json", *args, str(root)], catch_exceptions=False
    )
    return json.loads(result.output)


def _project(tmp_path, files, view=VIEW):
    return write_files(
        tmp_path,
        {"manage.py": "", "shop/__init__.py": "", "shop/models.py": MODELS, "shop/views.py": view, **files},
    )


@pytest.mark.parametrize(
    ("files", "where"),
    [
        ({".env": "DEBUG=1\nDJANGO_ALLOW_ASYNC_UNSAFE=true\n"}, ".env:2"),
        (
            {"deploy/.env.production": "export DJANGO_ALLOW_ASYNC_UNSAFE='false'\n"},
            "deploy/.env.production:1",
        ),
        (
            {
                "docker-compose.yml": "services:\n  web:\n    environment:\n      - DJANGO_ALLOW_ASYNC_UNSAFE=1\n"
            },
            "docker-compose.yml:4",
        ),
        (
            {
                "compose.yaml": "services:\n  web:\n    environment:\n      DJANGO_ALLOW_ASYNC_UNSAFE: 'true'\n"
            },
            "compose.yaml:4",
        ),
        ({"Dockerfile": "FROM python:3.12\nENV DJANGO_ALLOW_ASYNC_UNSAFE=true\n"}, "Dockerfile:2"),
        (
            {"shop/settings.py": 'import os\n\nos.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"\n'},
            "shop/settings.py:3",
        ),
        (
            {
                "shop/asgi.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n'
                'os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "yes")\n'
            },
            "shop/asgi.py:3",
        ),
    ],
)
def test_the_message_says_the_query_blocks_the_loop_where_the_variable_is_set(tmp_path, files, where):
    (finding,) = _findings(_project(tmp_path, files))
    assert finding["code"] == "ADJ101"
    assert finding["message"] == (
        "`Product.objects.get()` runs a database query on the event loop and blocks the event loop "
        "instead of raising SynchronousOnlyOperation (`DJANGO_ALLOW_ASYNC_UNSAFE` is set at "
        f"{where}); use `await Product.objects.aget(...)`"
    )


def test_a_chain_through_a_sync_helper_says_so_too(tmp_path):
    project = _project(tmp_path, {".env": "DJANGO_ALLOW_ASYNC_UNSAFE=true\n"}, view=HELPER_VIEW)
    (finding,) = _findings(project)
    assert finding["code"] == "ADJ301"
    assert "blocks the event loop instead of raising SynchronousOnlyOperation" in finding["message"]
    assert "is set at .env:1" in finding["message"]


@pytest.mark.parametrize(
    "files",
    [
        {},
        {".env.example": "DJANGO_ALLOW_ASYNC_UNSAFE=true\n"},
        {".env.test": "DJANGO_ALLOW_ASYNC_UNSAFE=true\n"},
        {"docker-compose.test.yml": "    environment:\n      - DJANGO_ALLOW_ASYNC_UNSAFE=true\n"},
        {".env": 'DJANGO_ALLOW_ASYNC_UNSAFE=""\n# DJANGO_ALLOW_ASYNC_UNSAFE=true\n'},
        {"shop/settings.py": '# os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"\n'},
    ],
)
def test_files_that_do_not_set_it_for_the_application_leave_the_message_alone(tmp_path, files):
    (finding,) = _findings(_project(tmp_path, files))
    assert "and raises SynchronousOnlyOperation;" in finding["message"]


def test_severity_stays_an_error_since_the_loop_still_blocks(tmp_path):
    (finding,) = _findings(_project(tmp_path, {".env": "DJANGO_ALLOW_ASYNC_UNSAFE=true\n"}))
    assert (finding["severity"], finding["code"]) == ("error", "ADJ101")
    assert CliRunner().invoke(main, ["--no-cache", str(tmp_path)]).exit_code == 1


def test_test_files_governed_by_the_variable_are_still_silenced(tmp_path):
    test_view = VIEW.replace("async def detail", "async def test_detail")
    project = _project(
        tmp_path,
        {
            ".env": "DJANGO_ALLOW_ASYNC_UNSAFE=true\n",
            "conftest.py": ('import os\n\nos.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")\n'),
            "shop/test_views.py": test_view,
        },
    )
    assert [finding["path"].rsplit("/", 1)[-1] for finding in _findings(project)] == ["views.py"]
