"""Test files that run with DJANGO_ALLOW_ASYNC_UNSAFE set: Django runs sync queries there."""

from __future__ import annotations

from pathlib import Path

from asyncdj_lint.api import lint_paths
from asyncdj_lint.options import LintOptions
from tests.helpers import write_files

MODELS = """\
from django.db import models


class Board(models.Model):
    title = models.CharField(max_length=100)
"""
# A websocket test: sync ORM set-up in an async test, as Channels test suites write them.
WS_TEST = """\
import pytest
from channels.testing import WebsocketCommunicator

from boards.models import Board


@pytest.mark.asyncio
async def test_board_updates_are_broadcast():
    board = Board.objects.create(title="Roadmap")
    communicator = WebsocketCommunicator(None, f"/ws/boards/{board.pk}/")
    await communicator.connect()
"""
CONFTEST = 'import os\n\nos.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")\n'
VIEW = """\
from boards.models import Board


async def latest(request):
    return Board.objects.first()
"""


def findings(root: Path, files: dict[str, str]) -> list[str]:
    base = {"boards/__init__.py": "", "boards/models.py": MODELS, "boards/views.py": VIEW}
    write_files(root, {**base, **files})
    return sorted(
        f"{Path(d.path).relative_to(root).as_posix()}:{d.line}: {d.code}"
        for d in lint_paths([root], LintOptions()).diagnostics
    )


def test_a_conftest_that_allows_async_unsafe_silences_query_errors_in_the_tests_below_it(tmp_path):
    files = {
        "tests/ws/conftest.py": CONFTEST,
        "tests/ws/sockets/test_boards.py": WS_TEST,
        "tests/api/test_boards.py": WS_TEST,
    }
    # Only the test under the conftest's folder runs with the variable; the view is production code.
    assert findings(tmp_path, files) == ["boards/views.py:5: ADJ101", "tests/api/test_boards.py:9: ADJ101"]


def test_the_variable_assigned_by_index_or_set_by_pytest_env_counts_too(tmp_path):
    conftest = 'import os\nos.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"\n'
    assert findings(tmp_path / "a", {"tests/conftest.py": conftest, "tests/test_boards.py": WS_TEST}) == [
        "boards/views.py:5: ADJ101"
    ]
    pyproject = '[tool.pytest.ini_options]\nenv = ["DJANGO_ALLOW_ASYNC_UNSAFE=true"]\n'
    assert findings(tmp_path / "b", {"pyproject.toml": pyproject, "tests/test_boards.py": WS_TEST}) == [
        "boards/views.py:5: ADJ101"
    ]
    pyproject = '[tool.pytest_env]\nDJANGO_ALLOW_ASYNC_UNSAFE = "true"\n'
    assert findings(tmp_path / "c", {"pyproject.toml": pyproject, "tests/test_boards.py": WS_TEST}) == [
        "boards/views.py:5: ADJ101"
    ]


def test_a_commented_out_or_empty_setting_does_not_allow_anything(tmp_path):
    for number, conftest in enumerate(
        (
            '# os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")\n',
            'import os\nos.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = ""\n',
        )
    ):
        files = {"tests/conftest.py": conftest, "tests/test_boards.py": WS_TEST}
        assert findings(tmp_path / str(number), files) == [
            "boards/views.py:5: ADJ101",
            "tests/test_boards.py:9: ADJ101",
        ], conftest


def test_blocking_warnings_still_reported_under_async_unsafe(tmp_path):
    # The variable lets queries run; it does not make time.sleep() stop blocking the loop.
    test = "import time\n\n\nasync def test_waits():\n    time.sleep(1)\n"
    files = {"tests/conftest.py": CONFTEST, "tests/test_wait.py": test}
    assert findings(tmp_path, files) == ["boards/views.py:5: ADJ101", "tests/test_wait.py:5: ADJ512"]
