"""View rules ADJ701-ADJ707: class-based views, view decorators and ATOMIC_REQUESTS.

`@transaction.atomic` on an `async def` is ADJ406's finding (there is no ADJ704).
"""

from __future__ import annotations

import pytest

from tests.helpers import lint_snippet


def found(code: str, select: str = "ADJ7", **kwargs) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in lint_snippet(code, select=(select,), **kwargs)]


MIXED = """\
from django.http import HttpResponse
from django.views import View


class OrderView(View):
    async def get(self, request):
        return HttpResponse("list")

    def post(self, request):
        return HttpResponse("created")
"""


def test_view_with_sync_and_async_handlers_is_reported_on_the_class():
    [finding] = lint_snippet(MIXED, select=("ADJ7",))
    assert (finding.line, finding.column, finding.code) == (5, 7, "ADJ701")
    assert finding.message == (
        "`OrderView` has async handlers (get) and sync ones (post): `as_view()` raises `ImproperlyConfigured: "
        "OrderView HTTP handlers must either be all sync or all async.` when the URLconf is imported; make "
        "every handler `async def`, or all sync"
    )


def test_async_get_on_a_form_view_names_the_inherited_sync_handlers():
    code = """\
from django.http import HttpResponse
from django.views.generic.edit import CreateView


class NewOrder(CreateView):
    async def get(self, request):
        return HttpResponse("form")
"""
    [finding] = lint_snippet(code, select=("ADJ7",))
    assert finding.code == "ADJ701"
    assert "sync ones (post, put) (inherited from Django's CreateView)" in finding.message


def test_a_sync_options_handler_does_not_mix():
    code = MIXED.replace("def post(self, request):", "def options(self, request):")
    assert found(code) == []


def test_http_method_names_limits_the_handlers_django_checks():
    code = MIXED.replace(
        "class OrderView(View):\n", 'class OrderView(View):\n    http_method_names = ["get"]\n'
    )
    assert found(code) == []


def test_mixed_handlers_through_a_django_mixin_are_reported():
    code = MIXED.replace("class OrderView(View):", "class OrderView(LoginRequiredMixin, View):").replace(
        "from django.views import View",
        "from django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.views import View",
    )
    assert found(code) == [(6, "ADJ701")]


def test_a_third_party_base_class_leaves_the_handlers_unknown():
    code = MIXED.replace("class OrderView(View):", "class OrderView(APIView):").replace(
        "from django.views import View", "from rest_framework.views import APIView"
    )
    assert found(code) == []


def test_async_handlers_inherited_from_a_project_base_mix_with_sync_ones():
    code = """\
from django.http import HttpResponse
from django.views import View


class Base(View):
    async def get(self, request):
        return HttpResponse("list")


class OrderView(Base):
    def post(self, request):
        return HttpResponse("created")
"""
    assert found(code) == [(10, "ADJ701")]


DETAIL = """\
from django.http import JsonResponse
from django.views.generic import {base}
from shop.models import Product


class ProductPage({base}):
    model = Product

    async def get(self, request, *args, **kwargs):
        {body}
        return JsonResponse({{}})
"""


@pytest.mark.parametrize(
    ("base", "body", "expected"),
    [
        ("DetailView", "self.get_object()", [(10, "ADJ702")]),
        ("DetailView", "await super().get(request, *args, **kwargs)", [(10, "ADJ702")]),
        ("DetailView", "await Product.objects.aget(pk=kwargs['pk'])", []),
        ("ListView", "await super().get(request, *args, **kwargs)", []),
        ("TemplateView", "await super().get(request, *args, **kwargs)", []),
    ],
)
def test_sync_get_object_of_single_object_views_is_reported_in_async_handlers(base, body, expected):
    assert found(DETAIL.format(base=base, body=body), "ADJ702") == expected


def test_a_project_get_object_override_is_not_djangos():
    code = DETAIL.format(base="DetailView", body="await self.get_object()").replace(
        "    async def get(", "    async def get_object(self):\n        return None\n\n    async def get("
    )
    assert found(code, "ADJ702") == []


LOGGED = """\
import functools


def logged(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapper
"""


def test_project_decorator_with_a_sync_wrapper_on_an_async_view_is_reported_on_the_decorator():
    code = LOGGED + "\n\n@logged\nasync def home(request):\n    return None\n"
    [finding] = lint_snippet(code, select=("ADJ7",))
    assert (finding.line, finding.code) == (12, "ADJ703")
    assert finding.message.startswith(
        "`@logged` wraps async view `home` in a sync function that does not await it"
    )


def test_project_decorator_imported_from_another_module_is_resolved():
    code = "from decorators import logged\n\n\n@logged\nasync def home(request):\n    return None\n"
    assert found(code, extra_files={"decorators.py": LOGGED}) == [(4, "ADJ703")]


def test_project_decorator_that_branches_on_iscoroutinefunction_is_silent():
    code = """\
import functools
from inspect import iscoroutinefunction


def logged(view):
    if iscoroutinefunction(view):
        return view

    @functools.wraps(view)
    def wrapper(request):
        return view(request)

    return wrapper


@logged
async def home(request):
    return None
"""
    assert found(code) == []


def test_project_decorator_on_a_sync_view_is_silent():
    assert found(LOGGED + "\n\n@logged\ndef home(request):\n    return None\n") == []


@pytest.mark.parametrize(
    ("decorator", "module", "target", "reported"),
    [
        ("login_required", "django.contrib.auth.decorators", (5, 0), True),
        ("login_required", "django.contrib.auth.decorators", (5, 1), False),
        ("csrf_exempt", "django.views.decorators.csrf", (4, 2), True),
        ("never_cache", "django.views.decorators.cache", (4, 2), True),
        ("never_cache", "django.views.decorators.cache", (5, 0), False),
        ("never_cache", "django.views.decorators.cache", None, False),
    ],
)
def test_django_decorators_are_reported_before_the_version_that_made_them_async(
    decorator, module, target, reported
):
    code = f"from {module} import {decorator}\n\n\n@{decorator}\nasync def home(request):\n    return None\n"
    assert found(code, target_django=target) == ([(4, "ADJ703")] if reported else [])


def test_django_decorator_message_says_what_fails_before_its_version():
    code = "from django.views.decorators.cache import never_cache\n\n\n@never_cache\nasync def home(request):\n    pass\n"
    [finding] = lint_snippet(code, select=("ADJ7",), target_django=(4, 2))
    assert finding.message == (
        "`@never_cache` on async view `home`: before Django 5.0 its wrapper is sync, and every request that "
        "reaches the view fails with `AttributeError: 'coroutine' object has no attribute 'has_header'`; do the "
        "check inside the view, or move to Django 5.0"
    )


def test_async_dispatch_with_sync_handlers_is_reported_on_dispatch():
    code = """\
from django.views import View


class Home(View):
    async def dispatch(self, request, *args, **kwargs):
        return await super().dispatch(request, *args, **kwargs)

    def get(self, request):
        pass
"""
    assert found(code) == [(5, "ADJ705")]


DISPATCH = """\
from django.utils.decorators import method_decorator
from django.views import View
from {module} import {decorator}


@method_decorator({decorator}, name="{name}")
class Home(View):
    async def get(self, request):
        pass
"""


@pytest.mark.parametrize(
    ("decorator", "module", "name", "target", "reported"),
    [
        ("never_cache", "django.views.decorators.cache", "dispatch", None, True),
        ("login_required", "django.contrib.auth.decorators", "dispatch", None, True),
        ("csrf_exempt", "django.views.decorators.csrf", "dispatch", None, False),
        ("never_cache", "django.views.decorators.cache", "get", None, False),
        ("never_cache", "django.views.decorators.cache", "get", (5, 1), True),
    ],
)
def test_method_decorator_on_an_async_view(decorator, module, name, target, reported):
    code = DISPATCH.format(decorator=decorator, module=module, name=name)
    assert found(code, target_django=target) == ([(6, "ADJ707")] if reported else [])


ATOMIC_SETTINGS = """\
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "ATOMIC_REQUESTS": True,
    }
}
"""
URLS = "from django.urls import path\n\nimport views\n\nurlpatterns = [path('', views.home), path('o/', views.Orders.as_view())]\n"
VIEWS = """\
from django.db import transaction
from django.views import View


{decorator}async def home(request):
    pass


class Orders(View):
    {handler_decorator}{handler}
"""


def atomic_findings(
    decorator: str = "", handler: str = "def get(self, request): pass", handler_decorator: str = ""
):
    views = VIEWS.format(decorator=decorator, handler=handler, handler_decorator=handler_decorator)
    return lint_snippet(
        ATOMIC_SETTINGS,
        select=("ADJ706",),
        extra_files={"urls.py": URLS, "views.py": views},
        settings_module="snippet",
    )


def test_atomic_requests_with_a_routed_async_view_is_reported_at_the_settings_line():
    [finding] = atomic_findings()
    assert (finding.line, finding.column) == (4, 9)
    assert finding.message.startswith(
        "ATOMIC_REQUESTS is on for database 'default' and the URLconf routes to async views (`views.home`): "
        "every request to them fails with RuntimeError: You cannot use ATOMIC_REQUESTS with async views."
    )


def test_atomic_requests_names_async_class_based_views_too():
    [finding] = atomic_findings(
        decorator="@transaction.non_atomic_requests\n", handler="async def get(self, request): pass"
    )
    assert "(`views.Orders`)" in finding.message


def test_atomic_requests_is_silent_when_every_async_view_is_non_atomic():
    assert atomic_findings(decorator="@transaction.non_atomic_requests\n") == []


def test_non_atomic_for_another_database_does_not_exempt_the_view():
    assert len(atomic_findings(decorator='@transaction.non_atomic_requests(using="other")\n')) == 1


def test_atomic_requests_without_async_views_is_silent():
    assert lint_snippet(ATOMIC_SETTINGS, select=("ADJ706",), settings_module="snippet") == []


def test_routes_concatenated_with_other_lists_are_read():
    urls = "from django.urls import path\n\nimport views\n\nurlpatterns = [path('', views.home)] + static('/m/')\n"
    views = VIEWS.format(decorator="", handler="def get(self, request): pass", handler_decorator="")
    findings = lint_snippet(
        ATOMIC_SETTINGS,
        select=("ADJ706",),
        extra_files={"urls.py": urls, "views.py": views},
        settings_module="snippet",
    )
    assert [d.line for d in findings] == [4]


def test_a_handler_under_a_decorator_that_may_change_its_mode_is_not_judged():
    code = """\
from asgiref.sync import sync_to_async
from django.views import View


class OrderView(View):
    async def get(self, request):
        pass

    @sync_to_async
    def post(self, request):
        pass
"""
    assert found(code) == []


LIST = """\
from django.views.generic import {base}
from shop.models import Product


class Products({base}):
    model = Product
{options}
    async def get(self, request, *args, **kwargs):
        return {call}
"""


@pytest.mark.parametrize(
    ("base", "options", "call", "reported"),
    [
        ("ListView", "    paginate_by = 20\n", "super().get(request, *args, **kwargs)", True),
        ("ListView", "    allow_empty = False\n", "super().get(request, *args, **kwargs)", True),
        ("ListView", "    paginate_by = None\n", "super().get(request, *args, **kwargs)", False),
        ("ListView", "    paginate_by = PAGE_SIZE\n", "super().get(request, *args, **kwargs)", False),
        ("ListView", "", "self.paginate_queryset(Product.objects.all(), 10)", True),
        ("ArchiveIndexView", "    date_field = 'created'\n", "super().get(request, *args, **kwargs)", True),
    ],
)
def test_list_and_archive_views_are_reported_when_their_sync_get_queries(base, options, call, reported):
    code = LIST.format(base=base, options=options, call=call)
    line = 9 + options.count("\n")
    assert found(code, "ADJ702") == ([(line, "ADJ702")] if reported else [])


def test_an_async_view_under_a_sync_project_decorator_is_not_named_by_atomic_requests():
    views = LOGGED + "\n\n@logged\nasync def home(request):\n    pass\n\n\nclass Orders:\n    pass\n"
    findings = lint_snippet(
        ATOMIC_SETTINGS,
        select=("ADJ706",),
        extra_files={"urls.py": URLS, "views.py": views},
        settings_module="snippet",
    )
    assert findings == []


def test_method_decorator_with_a_list_of_decorators_on_dispatch_is_read():
    code = DISPATCH.format(
        decorator="never_cache", module="django.views.decorators.cache", name="dispatch"
    ).replace("@method_decorator(never_cache,", "@method_decorator([csrf_exempt, never_cache],")
    code = "from django.views.decorators.csrf import csrf_exempt\n" + code
    assert found(code) == [(7, "ADJ707")]


@pytest.mark.parametrize(
    ("wrapped", "target", "reported"),
    [
        ("never_cache(views.Home.as_view())", (4, 2), True),
        ("never_cache(views.Home.as_view())", (5, 0), False),
        ("cache_page(60)(views.home)", (4, 2), True),
        ("views.logged(views.home)", None, True),
        ("views.logged(views.sync_home)", None, False),
    ],
)
def test_decorators_applied_in_a_urlconf_are_checked_like_decorators(wrapped, target, reported):
    views = (
        "from django.views import View\n"
        + LOGGED
        + """

async def home(request):
    pass


def sync_home(request):
    pass


class Home(View):
    async def get(self, request):
        pass
"""
    )
    code = (
        "from django.urls import path\n"
        "from django.views.decorators.cache import cache_page, never_cache\n\n"
        "import views\n\n"
        f"urlpatterns = [path('', {wrapped})]\n"
    )
    assert found(code, "ADJ703", extra_files={"views.py": views}, target_django=target) == (
        [(6, "ADJ703")] if reported else []
    )


@pytest.mark.parametrize(
    ("use", "failure"),
    [
        (
            'response["X-Frame-Options"] = "DENY"',
            "`TypeError: 'coroutine' object does not support item assignment`",
        ),
        (
            'response.headers["Vary"] = "Cookie"',
            "`AttributeError: 'coroutine' object has no attribute 'headers'`",
        ),
        ('print(response["Content-Type"])', "`TypeError: 'coroutine' object is not subscriptable`"),
        ('del response["Server"]', "`TypeError: 'coroutine' object does not support item deletion`"),
        ("pass", "`ValueError: The view ... didn't return an HttpResponse object."),
    ],
)
def test_sync_decorator_message_names_what_its_use_of_the_coroutine_raises(use, failure):
    code = f"""\
from django.http import HttpResponse


def stamped(view):
    def wrapper(request):
        response = view(request)
        {use}
        return response

    return wrapper


@stamped
async def page(request):
    return HttpResponse("ok")
"""
    (finding,) = [d for d in lint_snippet(code) if d.code == "ADJ703"]
    assert f"every request fails with {failure}" in finding.message
