"""Code that looks like it blocks the loop and does not: reproductions from real applications.

Each test is a shape seen in a public async Django application, reduced to
what makes the finding wrong there, beside the shape that is still reported.
"""

from __future__ import annotations

from tests.helpers import lint_snippet


def lines(code: str, select: str, **kwargs) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in lint_snippet(code, select=(select,), **kwargs)]


# -- already evaluated: a QuerySet whose result cache `async for` filled ----------------


def test_queryset_measured_after_async_comprehension_filled_its_cache_is_silent():
    code = (
        "from django.http import JsonResponse\n"
        "from shop.models import Product\n\n"
        "async def catalogue(request):\n"
        "    products = Product.objects.filter(available=True)\n"
        "    names = [p.name async for p in products]\n"
        "    if products:\n"
        "        return JsonResponse({'n': len(products), 'first': products[0].name, 'names': names})\n"
        "    for product in products:\n"
        "        names.append(product.name)\n"
        "    return JsonResponse({'names': names})\n"
    )
    assert lines(code, "ADJ102") == []


def test_queryset_measured_before_its_async_for_or_after_being_rebound_is_reported():
    code = (
        "from django.http import JsonResponse\n"
        "from shop.models import Product\n\n"
        "async def catalogue(request):\n"
        "    products = Product.objects.filter(available=True)\n"
        "    total = len(products)\n"
        "    async for p in products:\n"
        "        pass\n"
        "    products = products.filter(price__lt=10)\n"
        "    return JsonResponse({'n': total, 'cheap': len(products)})\n"
    )
    assert lines(code, "ADJ102") == [(6, "ADJ102"), (10, "ADJ102")]


def test_queryset_filled_by_a_project_function_it_was_passed_to_is_silent():
    code = (
        "from django.http import JsonResponse\n"
        "from shop.models import Product\n\n"
        "async def warm(queryset):\n"
        "    async for _ in queryset:\n"
        "        pass\n\n"
        "async def touch(queryset):\n"
        "    queryset = queryset.filter(available=True)\n"
        "    async for _ in queryset:\n"
        "        pass\n\n"
        "async def catalogue(request):\n"
        "    products = Product.objects.all()\n"
        "    await warm(products)\n"
        "    others = Product.objects.all()\n"
        "    await touch(others)\n"
        "    return JsonResponse({'n': len(products), 'm': len(others)})\n"
    )
    # `touch` fills a QuerySet of its own, not the one it was passed.
    assert lines(code, "ADJ102") == [(18, "ADJ102")]
    assert "len(others)" in lint_snippet(code, select=("ADJ102",))[0].message


def test_queryset_returned_by_the_coroutine_that_filled_it_is_silent():
    # The coroutine annotates each product in an `async for`, then hands back that same QuerySet:
    # its result cache is full, so the caller's loop and len() run no query.
    code = (
        "from django.http import JsonResponse\n"
        "from shop.models import Product\n\n"
        "async def priced_products():\n"
        "    products = Product.objects.filter(available=True)\n"
        "    async for product in products:\n"
        "        product.label = product.name.upper()\n"
        "    return products\n\n"
        "async def unpriced_products(flag):\n"
        "    products = Product.objects.filter(available=True)\n"
        "    if flag:\n"
        "        return Product.objects.none()\n"
        "    async for product in products:\n"
        "        pass\n"
        "    return products\n\n"
        "async def catalogue(request):\n"
        "    products = await priced_products()\n"
        "    labels = [product.label for product in products]\n"
        "    others = await unpriced_products(False)\n"
        "    return JsonResponse({'labels': labels, 'n': len(products), 'm': len(others)})\n"
    )
    # `unpriced_products` may also return a QuerySet nothing iterated.
    assert lines(code, "ADJ102") == [(22, "ADJ102")]


# -- not on the loop: callables Django or Python calls later, elsewhere -----------------


def test_callables_handed_to_deferred_runners_are_not_judged_on_the_loop():
    code = (
        "import atexit\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from django.db import transaction\n"
        "from django.db.models.signals import post_save\n"
        "from django.template.response import TemplateResponse\n"
        "from shop.models import Product\n\n"
        "async def checkout(request):\n"
        "    response = TemplateResponse(request, 'shop/product_list.html', {'products': []})\n"
        "    response.add_post_render_callback(lambda r: Product.objects.filter(pk=1).update(available=False))\n"
        "    transaction.on_commit(lambda: Product.objects.get(pk=1))\n"
        "    post_save.connect(lambda sender, **kw: Product.objects.count(), sender=Product)\n"
        "    atexit.register(lambda: Product.objects.count())\n"
        "    with ProcessPoolExecutor() as pool:\n"
        "        pool.map(lambda pk: Product.objects.get(pk=pk), [1, 2])\n"
        "    sorted([1], key=lambda pk: Product.objects.get(pk=pk))\n"
        "    return response\n"
    )
    # The key function runs on the spot, on the loop; the others run later, elsewhere. Calling
    # on_commit() outside atomic reads the connection's autocommit state: that raises on the loop.
    assert lines(code, "ADJ101") == [(11, "ADJ101"), (16, "ADJ101")]
    assert "`transaction.on_commit()` reads the connection's autocommit state" in (
        lint_snippet(code, select=("ADJ101",))[0].message
    )


def test_decorator_factory_of_a_module_level_async_view_runs_at_import_time():
    code = (
        "from django.http import HttpResponse\n"
        "from shop.models import Product\n\n"
        "def cached_for(seconds):\n"
        "    names = list(Product.objects.values_list('name', flat=True))\n"
        "    def decorate(view):\n"
        "        return view\n"
        "    return decorate\n\n"
        "@cached_for(Product.objects.count())\n"
        "async def catalogue(request):\n"
        "    @cached_for(60)\n"
        "    async def inner(request):\n"
        "        return HttpResponse()\n"
        "    return await inner(request)\n"
    )
    # Only the decorator applied inside the running view is evaluated on the loop.
    assert lines(code, "ADJ") == [(12, "ADJ301")]


def test_bound_method_handed_to_sync_to_async_is_not_counted_on_the_loop():
    code = (
        "from asgiref.sync import sync_to_async\n"
        "from django.core.paginator import Paginator\n"
        "from django.http import HttpResponse\n"
        "from shop.models import Product\n\n"
        "async def catalogue(request):\n"
        "    paginator = Paginator(Product.objects.order_by('pk'), 10)\n"
        "    page = await sync_to_async(paginator.page)(1)\n"
        "    count = await sync_to_async(lambda: paginator.count)()\n"
        "    return HttpResponse(f'{count} {page.number}')\n"
    )
    assert lines(code, "ADJ") == []


# -- once per object: request.user is loaded by its first read ---------------------------


def test_request_user_read_twice_is_reported_at_the_first_read_only():
    code = (
        "from asgiref.sync import sync_to_async\nfrom django.http import HttpResponse\n\n"
        "async def profile(request):\n"
        "    name = request.user.username\n"
        "    email = request.user.email\n"
        "    return HttpResponse(name + email)\n\n"
        "async def settings(request):\n"
        "    return HttpResponse(request.user.email)\n\n"
        "async def admin(request):\n"
        "    if request.user.has_perm('shop.change_product'):\n"
        "        return HttpResponse(request.user.email)\n\n"
        "async def middleware_step(request):\n"
        "    if await sync_to_async(lambda: request.user.is_authenticated)():\n"
        "        return HttpResponse(f'user_org_{request.user.id}')\n"
    )
    # The permission check loads the user first (and is ADJ503's finding); so does a read
    # in a lambda run by sync_to_async (kitchenai's middleware).
    assert lines(code, "ADJ501") == [(5, "ADJ501"), (10, "ADJ501")]


# -- frameworks that load the user before the handler ------------------------------------


def test_adrf_and_drf_handlers_get_a_user_authenticated_in_a_thread():
    code = (
        "from adrf.decorators import api_view\n"
        "from adrf.views import APIView\n"
        "from adrf.viewsets import ViewSet\n"
        "from rest_framework.response import Response\n\n"
        "class Profile(APIView):\n"
        "    async def get(self, request):\n"
        "        return Response({'name': request.user.username})\n\n"
        "class Accounts(ViewSet):\n"
        "    async def list(self, request):\n"
        "        return Response({'email': request.user.email})\n\n"
        "@api_view(['GET'])\n"
        "async def whoami(request):\n"
        "    return Response({'id': request.user.pk})\n"
    )
    assert lines(code, "ADJ501") == []


def test_ninja_session_auth_loads_the_user_and_other_auth_does_not():
    code = (
        "from ninja import NinjaAPI, Router\n"
        "from ninja.security import APIKeyHeader, django_auth\n\n"
        "api = NinjaAPI()\n"
        "session_router = Router(auth=django_auth)\n\n"
        "class ApiKey(APIKeyHeader):\n"
        "    async def authenticate(self, request, key):\n"
        "        return key == 'secret'\n\n"
        "@api.get('/me', auth=django_auth)\n"
        "async def me(request):\n"
        "    return {'name': request.user.username}\n\n"
        "@session_router.get('/email')\n"
        "async def email(request):\n"
        "    return {'email': request.user.email}\n\n"
        "@api.get('/key', auth=ApiKey())\n"
        "async def keyed(request):\n"
        "    return {'name': request.user.username}\n\n"
        "@api.get('/open')\n"
        "async def open_view(request):\n"
        "    return {'name': request.user.username}\n"
    )
    assert lines(code, "ADJ501") == [(21, "ADJ501"), (25, "ADJ501")]


def test_channels_scope_user_after_auth_middleware_and_plain_django_views():
    code = (
        "from channels.generic.websocket import AsyncJsonWebsocketConsumer\n"
        "from django.http import HttpResponse\n\n"
        "class Chat(AsyncJsonWebsocketConsumer):\n"
        "    async def connect(self):\n"
        "        if self.scope['user'].is_authenticated:\n"
        "            await self.accept()\n\n"
        "async def plain(request):\n"
        "    return HttpResponse(request.user.username)\n"
    )
    # AuthMiddlewareStack resolves scope["user"] before the consumer runs; Django's view
    # gets the lazy user of AuthenticationMiddleware.
    assert lines(code, "ADJ") == [(10, "ADJ501")]


# -- warnings say what blocks, and for how long ------------------------------------------


def test_blocking_warnings_name_the_blocking_call_and_how_long_it_can_block():
    code = (
        "import time\n"
        "import requests\n"
        "from django.http import HttpResponse\n\n"
        "def fetch_rates():\n"
        "    return requests.get('https://rates.example', timeout=3)\n\n"
        "def log_visit():\n"
        "    return None\n\n"
        "def refresh():\n"
        "    log_visit()\n"
        "    return fetch_rates()\n\n"
        "async def prices(request):\n"
        "    time.sleep(0.5)\n"
        "    requests.post('https://audit.example')\n"
        "    refresh()\n"
        "    return HttpResponse()\n"
    )
    messages = {d.line: d.message for d in lint_snippet(code, select=("ADJ302", "ADJ512"))}
    assert messages[16].startswith("`time.sleep()` blocks the event loop for 0.5 s;")
    assert messages[17].startswith(
        "`requests.post()` blocks the event loop until the server answers (the call sets no timeout);"
    )
    assert messages[18].startswith(
        "`requests.get()` blocks the event loop until the server answers, up to `timeout=3`, reached from "
        "`refresh()` on the event loop: refresh() -> fetch_rates() -> requests.get() ("
    )
    assert messages[18].endswith("snippet.py:6); use `await sync_to_async(refresh)(...)`")


def test_a_timeout_given_by_position_or_a_client_default_bounds_the_wait():
    code = (
        "import urllib.request\n"
        "import httpx\n\n"
        "async def fetch(request):\n"
        "    urllib.request.urlopen('https://rates.example', None, 2)\n"
        "    httpx.get('https://rates.example')\n"
    )
    messages = [d.message for d in lint_snippet(code, select=("ADJ512",))]
    assert messages[0].startswith(
        "`urllib.request.urlopen()` blocks the event loop until the server answers, up to `timeout=2`;"
    )
    assert messages[1].startswith(
        "`httpx.get()` blocks the event loop until the server answers, up to httpx's default timeout (5 s"
    )
