"""The fixes of ADJ602 (`@async_only_middleware` on a factory), ADJ605 (an async mixin hook made
sync) and ADJ702 (`self.get_object()` run in a thread): what they write, and where they offer
nothing."""

from __future__ import annotations

import ast

import pytest

from asyncdj_lint.fixes import Safety, apply_fixes
from tests.helpers import lint_snippet


def _found(code: str, select: str) -> list[bool]:
    """Whether each finding of `select` in `code` carries a fix."""
    found = [d for d in lint_snippet(code, select=(select,)) if d.code == select]
    assert found, f"{select} reported nothing"
    return [d.fix is not None for d in found]


def _fixed(code: str, select: str) -> tuple[list[Safety], str]:
    found = [d for d in lint_snippet(code, select=(select,)) if d.code == select]
    fixes = [d.fix for d in found if d.fix is not None]
    assert fixes, f"{select} offered no fix"
    result = apply_fixes(code, fixes)
    ast.parse(result.source)
    return [fix.safety for fix in fixes], result.source


FACTORY = """\
{before}
def stamp_middleware(get_response):
    \"\"\"Stamps responses.\"\"\"

    async def middleware(request):
        response = await get_response(request)
        response["X-Stamp"] = "1"
        return response

    return middleware
"""


def test_a_factory_gains_the_decorator_next_to_the_existing_decorator_imports():
    code = FACTORY.format(before="from django.utils.decorators import sync_and_async_middleware\n")
    safety, fixed = _fixed(code, "ADJ602")
    assert safety == [Safety.SAFE]
    assert fixed.startswith(
        "from django.utils.decorators import async_only_middleware, sync_and_async_middleware\n\n"
        "@async_only_middleware\ndef stamp_middleware(get_response):\n"
    )
    assert lint_snippet(fixed, select=("ADJ602",)) == []


@pytest.mark.parametrize(
    "before",
    [
        "from myapp.decorators import async_only_middleware\n",
        "def async_only_middleware(factory):\n    return factory\n",
    ],
    ids=["imported-from-elsewhere", "defined-in-the-module"],
)
def test_no_decorator_is_written_where_its_name_is_taken(before: str) -> None:
    assert _found(FACTORY.format(before=before), "ADJ602") == [False]


MIXIN = """\
from django.utils.deprecation import MiddlewareMixin


class CountryMiddleware(MiddlewareMixin):
    async  def process_request(self, request):  # keep me
{body}
"""


def test_a_hook_that_awaits_nothing_becomes_a_plain_def_keeping_the_comment():
    code = MIXIN.format(body='        request.country = request.headers.get("X-Country", "")')
    safety, fixed = _fixed(code, "ADJ605")
    assert safety == [Safety.UNSAFE]
    assert "    def process_request(self, request):  # keep me\n" in fixed
    assert lint_snippet(fixed, select=("ADJ605",)) == []


@pytest.mark.parametrize(
    "body",
    [
        "        await asyncio.sleep(0)",
        "        async for item in items():\n            pass",
        "        async with lock:\n            pass",
        "        return [x async for x in items()]",
        "        yield request",
    ],
    ids=["await", "async-for", "async-with", "async-comprehension", "yield"],
)
def test_a_hook_that_needs_async_has_no_fix(body: str) -> None:
    assert _found(MIXIN.format(body=body), "ADJ605") == [False]


def test_a_hook_the_module_awaits_or_that_is_decorated_has_no_fix():
    awaited = MIXIN.format(body="        pass") + (
        "\n\nclass Child(CountryMiddleware):\n"
        "    async def __call__(self, request):\n"
        "        await self.process_request(request)\n"
        "        return await self.get_response(request)\n"
    )
    assert _found(awaited, "ADJ605")[0] is False
    decorated = MIXIN.replace("    async  def", "    @staticmethod\n    async  def").format(
        body="        pass"
    )
    assert _found(decorated, "ADJ605") == [False]


GENERIC_VIEW = """\
from django.http import JsonResponse
from django.views.generic import DetailView, ListView
from shop.models import Product


class ProductDetail(DetailView):
    model = Product

    async def get(self, request, *args, **kwargs):
{body}
"""


def test_get_object_runs_in_a_thread_also_as_an_operand():
    code = GENERIC_VIEW.format(body='        return JsonResponse({"name": self.get_object().name})')
    safety, fixed = _fixed(code, "ADJ702")
    assert safety == [Safety.UNSAFE]
    assert '{"name": (await sync_to_async(self.get_object)()).name}' in fixed
    assert "from asgiref.sync import sync_to_async\n" in fixed
    assert lint_snippet(fixed, select=("ADJ702",)) == []


@pytest.mark.parametrize(
    "body",
    [
        "        return super().get(request, *args, **kwargs)",
        "        return JsonResponse({'names': [self.get_object().name for _ in range(2)]})",
    ],
    ids=["super-get", "in-a-comprehension"],
)
def test_super_get_and_a_call_where_await_cannot_be_written_have_no_fix(body: str) -> None:
    assert _found(GENERIC_VIEW.format(body=body), "ADJ702") == [False]


def test_paginate_queryset_has_no_fix():
    code = """\
from django.http import JsonResponse
from django.views.generic import ListView
from shop.models import Product


class ProductList(ListView):
    model = Product
    paginate_by = 10

    async def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset(), 10)
        return JsonResponse({"pages": page[0].num_pages})
"""
    assert _found(code, "ADJ702") == [False]


ATOMIC = """\
DATABASES = {{
    "default": {{"ENGINE": "django.db.backends.sqlite3", "ATOMIC_REQUESTS": True}},{other}
}}
"""
VIEWS = """\
{imports}from django.http import JsonResponse
from django.views import View


@csrf_exempt
async def home(request):
    return JsonResponse({{}})


class Orders(View):
    async def get(self, request):
        return JsonResponse({{}})
"""
CSRF = "from django.views.decorators.csrf import csrf_exempt\n"


def _atomic(views: str, urls: str = "path('', snippet.home), path('o/', snippet.Orders.as_view())", other=""):
    return lint_snippet(
        views,
        select=("ADJ706",),
        extra_files={
            "settings.py": ATOMIC.format(other=other),
            "urls.py": f"from django.urls import path\n\nimport snippet\n\nurlpatterns = [{urls}]\n",
        },
    )


def test_each_routed_async_view_is_marked_above_its_decorators_once_per_database():
    views = VIEWS.format(imports=CSRF)
    other = '\n    "other": {"ENGINE": "django.db.backends.sqlite3", "ATOMIC_REQUESTS": True},'
    found = _atomic(views, other=other)
    assert [(d.line, d.fix is not None) for d in found] == [(7, True), (11, True)]
    assert found[0].message.startswith(
        "`home` is an async view the URLconf routes to while ATOMIC_REQUESTS is on for database "
        "'default', 'other' (settings): every request to it fails with RuntimeError"
    )
    fixes = [d.fix for d in found if d.fix is not None]
    assert {fix.safety for fix in fixes} == {Safety.UNSAFE}
    fixed = apply_fixes(views, fixes).source
    assert (
        "@transaction.non_atomic_requests\n"
        '@transaction.non_atomic_requests(using="other")\n'
        "@csrf_exempt\nasync def home(request):"
    ) in fixed
    assert (
        '@method_decorator(transaction.non_atomic_requests, name="dispatch")\n'
        '@method_decorator(transaction.non_atomic_requests(using="other"), name="dispatch")\n'
        "class Orders(View):"
    ) in fixed
    assert "from django.db import transaction\n" in fixed
    assert "from django.utils.decorators import method_decorator\n" in fixed
    assert _atomic(fixed, other=other) == []


def test_a_view_routed_through_a_wrapper_or_where_transaction_is_taken_has_no_fix():
    wrapped = "path('', never_cache(snippet.home)), path('o/', snippet.Orders.as_view())"
    found = _atomic(VIEWS.format(imports=CSRF), urls=wrapped)
    assert [d.fix is not None for d in found] == [False, True]
    taken = VIEWS.format(imports=CSRF + "from myapp import transaction\n")
    assert [d.fix is not None for d in _atomic(taken)] == [False, False]


def test_a_view_marked_for_its_database_or_a_sync_view_is_not_reported():
    marked = VIEWS.format(imports=CSRF + "from django.db import transaction\n").replace(
        "@csrf_exempt", "@transaction.non_atomic_requests\n@csrf_exempt"
    )
    assert [d.line for d in _atomic(marked)] == [13]
    sync = VIEWS.format(imports=CSRF).replace("async def get", "def get")
    assert [d.line for d in _atomic(sync)] == [7]


CBV = """\
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.vary import vary_on_cookie


@method_decorator({decorators}, name='dispatch')  # cache
class HomeView(View):
    async def get(self, request):
        return HttpResponse("home")

    async def post(self, request):
        return HttpResponse("posted")
"""


def test_a_response_decorator_on_dispatch_moves_to_each_async_handler_on_django_5_2():
    code = CBV.format(decorators="[never_cache, vary_on_cookie]")
    found = [d for d in lint_snippet(code, select=("ADJ707",), target_django=(5, 2)) if d.fix]
    assert [d.fix.safety for d in found if d.fix] == [Safety.UNSAFE]
    fixed = apply_fixes(code, [d.fix for d in found if d.fix]).source
    assert (
        "@method_decorator([never_cache, vary_on_cookie], name='get')\n"
        "@method_decorator([never_cache, vary_on_cookie], name='post')  # cache\n"
        "class HomeView(View):"
    ) in fixed
    assert lint_snippet(fixed, select=("ADJ707",), target_django=(5, 2)) == []


@pytest.mark.parametrize(
    ("decorators", "target"),
    [
        ("never_cache", (4, 2)),
        ("login_required", (5, 2)),
        ("login_required", (5, 1)),
        ("[csrf_exempt, never_cache]", (5, 2)),
        ("[never_cache, unknown_decorator]", (5, 2)),
    ],
    ids=["before-5.0", "auth", "auth-before-5.2", "read-from-dispatch", "unknown"],
)
def test_a_decorator_on_dispatch_that_cannot_move_to_the_handlers_has_no_fix(decorators, target):
    found = lint_snippet(CBV.format(decorators=decorators), select=("ADJ707",), target_django=target)
    assert found, "ADJ707 reported nothing"
    assert [d.fix for d in found] == [None] * len(found)


def test_before_5_2_a_response_decorator_on_dispatch_wraps_what_as_view_returns():
    code = CBV.format(decorators="[never_cache, vary_on_cookie]").replace("  # cache", "")
    found = [d for d in lint_snippet(code, select=("ADJ707",), target_django=(5, 1)) if d.fix]
    assert [d.fix.safety for d in found if d.fix] == [Safety.UNSAFE]
    fixed = apply_fixes(code, [d.fix for d in found if d.fix]).source
    assert (
        "from django.views.decorators.vary import vary_on_cookie\n\n\n"
        "class HomeView(View):\n"
        "    @classmethod\n"
        "    def as_view(cls, **initkwargs):\n"
        "        return never_cache(vary_on_cookie(super().as_view(**initkwargs)))\n\n"
        "    async def get(self, request):\n"
    ) in fixed
    assert lint_snippet(fixed, select=("ADJ707",), target_django=(5, 1)) == []


def test_before_5_2_a_comment_on_the_decorator_line_stays():
    found = [
        d
        for d in lint_snippet(CBV.format(decorators="never_cache"), select=("ADJ707",), target_django=(5, 1))
    ]
    fixed = apply_fixes(CBV.format(decorators="never_cache"), [d.fix for d in found if d.fix]).source
    assert "\n  # cache\nclass HomeView(View):\n    @classmethod\n" in fixed


def test_before_5_2_a_view_with_its_own_as_view_has_no_fix():
    code = CBV.format(decorators="never_cache").replace(
        "    async def get",
        "    @classmethod\n    def as_view(cls, **initkwargs):\n        return super().as_view(**initkwargs)\n\n    async def get",
        1,
    )
    found = lint_snippet(code, select=("ADJ707",), target_django=(5, 1))
    assert found, "ADJ707 reported nothing"
    assert [d.fix for d in found] == [None] * len(found)
