"""Middleware rules ADJ601-ADJ605: what Django does with the flags, the callable and the hooks."""

from __future__ import annotations

from tests.helpers import lint_snippet

SEED_MIDDLEWARE = """\
class AsyncMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        await some_async_task()
        response = await self.get_response(request)
        await some_other_async_task()
        return response
"""


def found(code: str, select: str = "ADJ6", **kwargs) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in lint_snippet(code, select=(select,), **kwargs)]


def test_the_seed_documents_async_middleware_is_reported_on_the_class():
    [finding] = lint_snippet(SEED_MIDDLEWARE, select=("ADJ6",))
    assert (finding.line, finding.column, finding.code) == (1, 7, "ADJ601")
    assert finding.message == (
        "`AsyncMiddleware` defines `async def __call__` but is sync-only middleware (sync_capable=True, "
        "async_capable=False): Django calls it as sync and every request fails with AttributeError: "
        "'coroutine' object has no attribute ...; set `async_capable = True` and `sync_capable = False` "
        "on the class (or decorate it with `@async_only_middleware`)"
    )


def test_async_middleware_declared_async_only_is_not_reported_by_adj601():
    code = SEED_MIDDLEWARE.replace(
        "class AsyncMiddleware:\n",
        "class AsyncMiddleware:\n    async_capable = True\n    sync_capable = False\n",
    )
    assert found(code, "ADJ601") == []


def test_async_only_middleware_decorator_on_a_class_sets_its_flags():
    code = (
        "from django.utils.decorators import async_only_middleware\n\n\n@async_only_middleware\n"
        + SEED_MIDDLEWARE
    )
    assert found(code, "ADJ601") == []


def test_flags_inherited_from_a_project_base_class_are_read():
    code = (
        "class AsyncBase:\n    async_capable = True\n    sync_capable = False\n\n\n"
        + SEED_MIDDLEWARE.replace("class AsyncMiddleware:", "class AsyncMiddleware(AsyncBase):")
    )
    assert found(code, "ADJ601") == []


def test_a_base_class_outside_the_project_leaves_the_flags_unknown():
    code = "from somewhere import Base\n\n\n" + SEED_MIDDLEWARE.replace(
        "class AsyncMiddleware:", "class AsyncMiddleware(Base):"
    )
    assert found(code) == []


def test_flags_set_after_the_class_body_leave_them_unknown():
    assert found(SEED_MIDDLEWARE + "\n\nAsyncMiddleware.async_capable = True\n") == []


def test_an_asgi_application_class_is_not_middleware():
    code = """\
class App:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)
"""
    assert found(code) == []


def test_a_class_listed_in_middleware_is_middleware_whatever_its_parameter_is_called(tmp_path):
    code = SEED_MIDDLEWARE.replace("get_response", "inner")
    settings = 'MIDDLEWARE = ["snippet.AsyncMiddleware"]\n'
    assert found(code, extra_files={"settings.py": settings}) == [(1, "ADJ601")]
    assert found(code) == []


def test_function_factory_returning_async_middleware_without_decorator_is_reported():
    code = """\
def timing(get_response):
    async def middleware(request):
        return await get_response(request)

    return middleware
"""
    [finding] = lint_snippet(code, select=("ADJ6",))
    assert (finding.line, finding.code) == (1, "ADJ602")
    assert finding.message.startswith("`timing` returns an `async def` middleware but is sync-only")


def test_view_decorator_returning_an_async_wrapper_is_not_a_middleware_factory():
    code = """\
def logged(view):
    async def wrapper(request):
        return await view(request)

    return wrapper
"""
    assert found(code) == []


def test_dual_mode_class_with_async_call_and_no_branch_is_reported():
    code = SEED_MIDDLEWARE.replace(
        "class AsyncMiddleware:\n",
        "class AsyncMiddleware:\n    sync_capable = True\n    async_capable = True\n",
    )
    [finding] = lint_snippet(code, select=("ADJ6",))
    assert (finding.line, finding.code) == (1, "ADJ603")
    assert "under WSGI (runserver, the test `Client`) Django calls it as sync" in finding.message


def test_dual_mode_middleware_that_branches_on_the_mode_is_silent():
    code = """\
from asgiref.sync import iscoroutinefunction, markcoroutinefunction


class Both:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        response = self.get_response(request)
        response["X"] = "1"
        return response

    async def __acall__(self, request):
        response = await self.get_response(request)
        response["X"] = "1"
        return response
"""
    assert found(code, "ADJ") == []


def test_dual_mode_sync_callable_that_returns_the_response_untouched_is_silent():
    code = """\
from django.utils.decorators import sync_and_async_middleware


@sync_and_async_middleware
def passthrough(get_response):
    def middleware(request):
        request.seen = True
        return get_response(request)

    return middleware
"""
    assert found(code, "ADJ") == []


def test_async_only_middleware_without_markcoroutinefunction_is_an_advisory():
    code = SEED_MIDDLEWARE.replace(
        "class AsyncMiddleware:\n",
        "class AsyncMiddleware:\n    sync_capable = False\n    async_capable = True\n",
    )
    [finding] = lint_snippet(code, select=("ADJ6",))
    assert (finding.line, finding.code, finding.severity) == (1, "ADJ604", "advisory")


def test_middleware_mixin_subclass_is_marked_by_the_mixin():
    code = """\
from django.utils.deprecation import MiddlewareMixin


class Stamp(MiddlewareMixin):
    def process_response(self, request, response):
        return response
"""
    assert found(code, "ADJ6") == []
    assert found(code, "ADJ604") == []


def test_async_process_request_on_a_middleware_mixin_subclass_is_reported_on_the_hook():
    code = """\
from django.utils.deprecation import MiddlewareMixin


class Stamp(MiddlewareMixin):
    async def process_request(self, request):
        return None

    async def process_view(self, request, view, args, kwargs):
        return None
"""
    assert found(code) == [(5, "ADJ605")]


def test_async_hooks_are_fine_when_the_class_replaces_the_mixins_call():
    code = """\
from django.utils.deprecation import MiddlewareMixin


class Stamp(MiddlewareMixin):
    async def process_request(self, request):
        return None

    async def __acall__(self, request):
        await self.process_request(request)
        return await self.get_response(request)
"""
    assert found(code, "ADJ605") == []


def test_orm_calls_inside_async_middleware_are_reported_as_in_views():
    code = """\
from shop.models import Product


class CountMiddleware:
    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        request.count = Product.objects.count()
        return await self.get_response(request)
"""
    assert (12, "ADJ101") in found(code, "ADJ")


LEGACY = """\
class LegacyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
"""
PROCFILE = "web: uvicorn conf.asgi:application --host 0.0.0.0\n"
SETTINGS = """\
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "legacy.LegacyMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
]
"""


def test_sync_only_middleware_in_an_asgi_project_is_reported_at_the_settings_line():
    findings = lint_snippet(
        SETTINGS,
        select=("ADJ606",),
        extra_files={"legacy.py": LEGACY, "Procfile": PROCFILE},
        settings_module="snippet",
    )
    assert [(d.line, d.column, d.code) for d in findings] == [(3, 5, "ADJ606"), (4, 5, "ADJ606")]
    assert findings[0].message.startswith(
        "`legacy.LegacyMiddleware` is sync-only middleware in a project served over ASGI "
        "(`web: uvicorn conf.asgi:application --host 0.0.0.0` at Procfile:1): Django runs it in a thread"
    )


def test_sync_only_middleware_is_not_reported_when_the_project_does_not_serve_asgi():
    assert found(SETTINGS, "ADJ606", extra_files={"legacy.py": LEGACY}, settings_module="snippet") == []


def test_middleware_added_in_a_settings_package_module_is_reported_where_it_is_added():
    files = {
        "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "conf.settings.dev")\n',
        "conf/__init__.py": "",
        "Procfile": PROCFILE,
        "conf/settings/__init__.py": "",
        "conf/settings/base.py": 'MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]\n',
        "conf/settings/dev.py": "from .base import *\n",
        "legacy.py": LEGACY,
    }
    code = 'from conf.settings.base import *\n\nMIDDLEWARE += ["legacy.LegacyMiddleware"]\n'
    files["conf/settings/dev.py"] = code
    findings = lint_snippet(code, select=("ADJ606",), extra_files=files, settings_module="snippet")
    assert [(d.line, d.code) for d in findings] == [(3, "ADJ606")]
