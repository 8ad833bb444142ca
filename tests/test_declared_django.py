"""ADJ515: an async API newer than the Django the project declares, and what counts as declared."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from asyncdj_lint.cli import main
from tests.helpers import write_files

VIEW = """\
from django.http import HttpResponse


async def whoami(request):
    user = await request.auser()
    return HttpResponse(user.get_username())
"""


def _declaring(root, version, views):
    """ADJ515's findings in `views` of a project whose requirements.txt says `Django>=version`."""
    write_files(root, {"requirements.txt": f"Django>={version}\n", "views.py": views})
    return _run(root)


def _run(root, *args):
    result = CliRunner().invoke(
        main, ["--no-cache", "--select", "ADJ515", *args, str(root)], catch_exceptions=False
    )
    return [line for line in result.output.splitlines() if "ADJ515" in line]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("requirements.txt", "Django>=4.2,<5.0\n"),
        ("pyproject.toml", '[project]\nname = "shop"\ndependencies = ["django~=4.2.0"]\n'),
        ("setup.cfg", "[options]\ninstall_requires =\n    Django>=4.2\n"),
        ("poetry.lock", '[[package]]\nname = "django"\nversion = "4.2.16"\n'),
        ("pyproject.toml", '[tool.asyncdj-lint]\ntarget-django = "4.2"\n'),
    ],
)
def test_reported_when_the_project_declares_an_older_django(tmp_path, name, text):
    write_files(tmp_path, {name: text, "views.py": VIEW})
    (found,) = _run(tmp_path)
    assert "views.py:5:18: ADJ515 `request.auser()` is new in Django 5.0; on Django 4.2," in found


def test_silent_on_the_fallback_guess(tmp_path):
    write_files(tmp_path, {"manage.py": "", "views.py": VIEW})
    assert _run(tmp_path) == []


def test_silent_when_the_version_is_only_asked_for_on_the_command_line(tmp_path):
    write_files(tmp_path, {"manage.py": "", "views.py": VIEW})
    assert _run(tmp_path, "--target-django", "4.2") == []
    # The command line replaces the project's own declaration: a question, not a promise.
    (tmp_path / "requirements.txt").write_text("Django>=4.2\n")
    assert _run(tmp_path, "--target-django", "4.2") == []
    assert len(_run(tmp_path)) == 1


def test_silent_when_the_declared_django_has_the_api(tmp_path):
    assert _declaring(tmp_path, "5.0", VIEW) == []


@pytest.mark.parametrize(
    ("declared", "code", "expected"),
    [
        ("5.0", "await request.session.aflush()", "`request.session.aflush()` is new in Django 5.1"),
        ("5.0", "await request.session.aitems()", "`request.session.aitems()` is new in Django 5.1"),
        ("5.1", "user = await request.auser()\n    await user.ahas_perms([])", "`user.ahas_perms()` is new"),
        (
            "5.1",
            "await User.objects.acreate_user('grace')",
            "`User.objects.acreate_user()` is new in Django 5.2",
        ),
        ("4.2", "user = await request.auser()\n    await user.acheck_password('x')", "`request.auser()`"),
    ],
)
def test_each_family_is_reported_before_its_release(tmp_path, declared, code, expected):
    view = (
        "from django.contrib.auth.models import User\nfrom django.http import HttpResponse\n\n\n"
        f"async def view(request):\n    {code}\n    return HttpResponse()\n"
    )
    found = _declaring(tmp_path, declared, view)
    assert any(expected in line for line in found), found


def test_user_manager_message_names_the_class_and_the_bridge(tmp_path):
    view = (
        "from django.contrib.auth.models import User\n\n\n"
        "async def sign_up(request):\n    return await User.objects.acreate_user('grace')\n"
    )
    (found,) = _declaring(tmp_path, "5.1", view)
    assert found.endswith(
        "on Django 5.1, the lowest version the project declares, it raises AttributeError: "
        "'UserManager' object has no attribute 'acreate_user'; "
        "use `await sync_to_async(User.objects.create_user)(...)`"
    )


@pytest.mark.parametrize(
    "code",
    [
        "try:\n    from django.core.paginator import AsyncPaginator\nexcept ImportError:\n    AsyncPaginator = None\n",
        "import django\n\nif django.VERSION >= (6, 0):\n    from django.core.paginator import AsyncPaginator\n",
        "async def whoami(request):\n    if hasattr(request, 'auser'):\n        return await request.auser()\n",
        "async def whoami(request):\n    return await request.auser() if hasattr(request, 'auser') else None\n",
    ],
)
def test_code_that_tests_for_the_api_first_is_silent(tmp_path, code):
    assert _declaring(tmp_path, "4.2", code) == []


def test_the_except_branch_of_a_guard_is_still_judged(tmp_path):
    code = (
        "try:\n    import missing_package\n"
        "except ImportError:\n    from django.core.paginator import AsyncPaginator\n"
    )
    (found,) = _declaring(tmp_path, "4.2", code)
    assert "views.py:4:39: ADJ515 `AsyncPaginator` is new in Django 6.0" in found


def test_a_sync_helper_using_a_newer_api_is_not_a_chain_from_async_code(tmp_path):
    helpers = (
        "from django.shortcuts import aget_object_or_404\n\n\ndef helper():\n    return aget_object_or_404\n"
    )
    view = "from helpers import helper\n\n\nasync def view(request):\n    helper()\n"
    write_files(tmp_path, {"requirements.txt": "Django>=4.2\n", "helpers.py": helpers, "views.py": view})
    result = CliRunner().invoke(main, ["--no-cache", str(tmp_path)], catch_exceptions=False)
    codes = [line.split()[1] for line in result.output.splitlines() if ": ADJ" in line]
    assert codes == ["ADJ515"], result.output
