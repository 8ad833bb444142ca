"""Class-based views and middleware as Django dispatches them: ADJ607, ADJ608, ADJ703 (methods), ADJ708, ADJ709."""

from __future__ import annotations

from textwrap import dedent

from tests.helpers import lint_snippet


def lines(code: str, select: str) -> list[int]:
    return [d.line for d in lint_snippet(dedent(code), select=(select,))]


MIXIN_VIEWS = """\
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin, UserPassesTestMixin
from django.http import HttpResponse
from django.views import View


class Login(LoginRequiredMixin, View):
    async def get(self, request):
        return HttpResponse()


class Permission(PermissionRequiredMixin, View):
    permission_required = "shop.view_product"

    async def get(self, request):
        return HttpResponse()


class Base(UserPassesTestMixin, View):
    pass


class Inherited(Base):
    async def post(self, request):
        return HttpResponse()


class SyncHandlers(LoginRequiredMixin, View):
    def get(self, request):
        return HttpResponse()


class OwnDispatch(LoginRequiredMixin, View):
    async def dispatch(self, request, *args, **kwargs):
        return await super().dispatch(request, *args, **kwargs)

    async def get(self, request):
        return HttpResponse()


class AsyncCheck(PermissionRequiredMixin, View):
    async def has_permission(self):
        return False

    async def get(self, request):
        return HttpResponse()


class AsyncTest(UserPassesTestMixin, View):
    async def test_func(self):
        return False

    def get(self, request):
        return HttpResponse()


class NotAHook(LoginRequiredMixin, View):
    async def has_permission(self):
        return False

    def get(self, request):
        return HttpResponse()
"""


def test_access_mixins_on_views_with_async_handlers_are_reported_where_django_runs_their_check():
    # Login, Permission, Inherited (through a project base); not sync views, an own dispatch, or an async hook.
    assert lines(MIXIN_VIEWS, "ADJ708") == [6, 11, 22]


def test_async_access_hooks_are_reported_only_on_the_mixin_that_calls_them():
    assert lines(MIXIN_VIEWS, "ADJ709") == [41, 49]


def test_middleware_mixin_init_must_call_the_base_init():
    code = """\
    from django.utils.deprecation import MiddlewareMixin


    class NoSuper(MiddlewareMixin):
        def __init__(self, get_response):
            self.get_response = get_response


    class WithSuper(MiddlewareMixin):
        def __init__(self, get_response):
            super().__init__(get_response)


    class Explicit(MiddlewareMixin):
        def __init__(self, get_response):
            MiddlewareMixin.__init__(self, get_response)


    class OwnCall(MiddlewareMixin):
        def __init__(self, get_response):
            self.get_response = get_response

        def __call__(self, request):
            return self.get_response(request)


    class NotMiddleware:
        def __init__(self, get_response):
            self.get_response = get_response
    """
    assert lines(code, "ADJ607") == [5]


def test_get_response_called_in_a_mixin_hook_is_reported():
    code = """\
    from django.utils.deprecation import MiddlewareMixin


    class Gate(MiddlewareMixin):
        def process_request(self, request):
            return self.get_response(request)

        def process_view(self, request, view_func, view_args, view_kwargs):
            return None


    class OwnCall(MiddlewareMixin):
        def __call__(self, request):
            return self.get_response(request)

        def process_request(self, request):
            return self.get_response(request)
    """
    assert lines(code, "ADJ608") == [6]


def test_project_sync_decorators_on_async_view_methods_and_middleware_hooks():
    code = """\
    import functools

    from asgiref.sync import iscoroutinefunction
    from django.http import HttpResponse
    from django.utils.deprecation import MiddlewareMixin
    from django.views import View


    def timed(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            return result

        return wrapper


    def timed_either(func):
        if iscoroutinefunction(func):
            return func

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)

        return wrapper


    class Audit(MiddlewareMixin):
        @timed
        async def process_view(self, request, view_func, view_args, view_kwargs):
            return None

        @timed_either
        async def process_exception(self, request, exception):
            return None


    class Page(View):
        @timed
        async def get(self, request):
            return HttpResponse()

        @timed
        async def helper(self):
            return None


    class CacheClient:
        @timed
        async def get(self, key):
            return None


    class PlainHooks:
        @timed
        async def process_view(self, request, view_func, view_args, view_kwargs):
            return None
    """
    assert lines(code, "ADJ703") == [30, 40]
