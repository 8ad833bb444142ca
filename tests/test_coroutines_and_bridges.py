"""ADJ108 (coroutines never awaited), ADJ407 (bridged generators), ADJ514 (the sync test Client in async code)."""

from __future__ import annotations

from textwrap import dedent

from tests.helpers import lint_snippet


def lines(code: str, select: str) -> list[int]:
    return [d.line for d in lint_snippet(dedent(code), select=(select,))]


HELPERS = """\
import asyncio

from asgiref.sync import async_to_sync, sync_to_async
from shop.models import Product


async def product_count():
    return await Product.objects.acount()


async def product_names():
    async for product in Product.objects.all():
        yield product.name


def plain():
    return 1
"""


def test_a_project_coroutine_dropped_tested_subscripted_or_returned_to_django_is_reported():
    code = HELPERS + dedent(
        """\
        async def view(request):
            product_count()
            if product_count():
                pass
            x = product_count()["n"]
            return product_count()


        def sync_view(request):
            if not product_count():
                return None
            return product_count()


        def stats(request):
            return {"count": product_count()}
        """
    )
    # statement, truth test, subscript, returned from a view; `not`, returned from a view; stored in a dict.
    assert lines(code, "ADJ108") == [19, 20, 22, 23, 27, 29, 33]


def test_awaited_gathered_bridged_or_generator_calls_are_not_reported():
    code = HELPERS + dedent(
        """\
        async def view(request):
            await product_count()
            pending = product_count()
            await asyncio.gather(pending, product_count())
            task = asyncio.create_task(product_count())
            await task
            names = product_names()
            plain()
            return [name async for name in names]


        def sync_view(request):
            return {"count": async_to_sync(product_count)(), "other": asyncio.run(product_count())}


        def coroutine_factory():
            return product_count()
        """
    )
    assert lines(code, "ADJ108") == []


def test_bridges_channel_layers_and_django_async_functions_not_awaited_are_reported():
    code = dedent(
        """\
        from asgiref.sync import async_to_sync, sync_to_async
        from channels.layers import get_channel_layer
        from django.contrib.auth import alogout


        def work():
            return 1


        async def view(request):
            sync_to_async(work)()
            alogout(request)
            await sync_to_async(work)()
            await alogout(request)


        def notify(request):
            layer = get_channel_layer()
            layer.group_send("g", {"type": "x"})
            get_channel_layer().group_add("g", "c")
            async_to_sync(layer.group_send)("g", {"type": "x"})


        class Consumer:
            async def receive(self, text_data=None):
                self.channel_layer.group_discard("g", self.channel_name)
                await self.channel_layer.group_send("g", {"type": "x"})
        """
    )
    assert lines(code, "ADJ108") == [11, 12, 19, 20, 26]


def test_get_response_returned_unawaited_from_async_middleware_only():
    code = dedent(
        """\
        from asgiref.sync import iscoroutinefunction
        from django.utils.decorators import sync_and_async_middleware


        @sync_and_async_middleware
        def stamp(get_response):
            if iscoroutinefunction(get_response):

                async def middleware(request):
                    return get_response(request)

            else:

                def middleware(request):
                    return get_response(request)

            return middleware


        @sync_and_async_middleware
        def stamp_fixed(get_response):
            async def middleware(request):
                return await get_response(request)

            return middleware


        class AsyncStamp:
            async_capable = True
            sync_capable = False

            def __init__(self, get_response):
                self.get_response = get_response

            async def __call__(self, request):
                return self.get_response(request)
        """
    )
    assert lines(code, "ADJ108") == [10, 36]


def test_a_generator_function_handed_to_sync_to_async_is_reported():
    code = dedent(
        """\
        from asgiref.sync import sync_to_async
        from channels.db import database_sync_to_async
        from shop.models import Product


        def names():
            for product in Product.objects.all():
                yield product.name


        def name_list():
            return list(names())


        async def view(request):
            a = await sync_to_async(names)()
            b = await database_sync_to_async(names)()
            c = await sync_to_async(name_list)()
            return a, b, c
        """
    )
    assert lines(code, "ADJ407") == [16, 17]


def test_the_sync_test_client_is_reported_in_async_code_only():
    code = dedent(
        """\
        from django.test import AsyncClient, Client, TestCase


        class CatalogueTests(TestCase):
            async def test_async(self):
                response = self.client.get("/")
                client = Client()
                client.post("/", {})
                self.client.force_login(None)
                await self.async_client.get("/")
                await AsyncClient().get("/")

            def test_sync(self):
                self.client.get("/")
                Client().get("/")
        """
    )
    assert lines(code, "ADJ514") == [6, 8, 9]


def test_a_test_client_the_project_replaces_or_awaits_is_not_reported():
    code = dedent(
        """\
        from django.test import AsyncClient, TestCase


        class AsyncBase(TestCase):
            client_class = AsyncClient


        class Replaced(AsyncBase):
            async def test_one(self):
                self.client.get("/")


        class SetUp(TestCase):
            def setUp(self):
                self.client = AsyncClient()

            async def test_one(self):
                self.client.get("/")


        class Awaited(TestCase):
            async def test_one(self):
                response = await self.client.get("/")
        """
    )
    assert lines(code, "ADJ514") == []


def test_async_client_requests_not_awaited_are_reported():
    code = dedent(
        """\
        from django.test import AsyncClient, TestCase


        class CatalogueTests(TestCase):
            async def test_async(self):
                response = self.async_client.get("/")
                assert response.status_code == 200
                client = AsyncClient()
                client.post("/", {})
                await client.get("/")
                await self.async_client.aforce_login(None)
        """
    )
    assert lines(code, "ADJ108") == [6, 9]


def test_database_work_through_plain_sync_to_async_is_reported_in_consumers_only():
    code = dedent(
        """\
        from asgiref.sync import sync_to_async
        from channels.db import database_sync_to_async
        from channels.generic.websocket import AsyncWebsocketConsumer
        from shop.models import Product


        def product_name(pk):
            return Product.objects.get(pk=pk).name


        def shout(text):
            return text.upper()


        class Names(AsyncWebsocketConsumer):
            async def receive(self, text_data=None, bytes_data=None):
                await sync_to_async(product_name)(1)
                await sync_to_async(Product.objects.count)()
                await database_sync_to_async(product_name)(1)
                await sync_to_async(shout)(text_data)


        class NotAConsumer:
            async def receive(self, text_data=None):
                await sync_to_async(product_name)(1)
        """
    )
    # The database work behind a helper is what the fact rules (ADJ1xx here) find in its body.
    found = lint_snippet(code, select=("ADJ408", "ADJ101"))
    assert [d.line for d in found if d.code == "ADJ408"] == [17, 18]


def test_the_sync_client_behind_a_helper_is_reported_at_the_call_from_async_code():
    code = dedent(
        """\
        from django.test import Client


        def fetch_home():
            return Client().get("/")


        async def test_home():
            response = fetch_home()
            assert response.status_code == 200
        """
    )
    found = lint_snippet(code, select=("ADJ301", "ADJ514"))
    assert [(d.code, d.line) for d in found] == [("ADJ301", 9)]
    assert "fetch_home() -> Client().get() (" in found[0].message


def test_a_coroutine_handed_to_async_to_sync_is_reported():
    code = HELPERS + dedent(
        """\
        def sync_view(request):
            async_to_sync(product_count())()
            return async_to_sync(product_count)()
        """
    )
    found = lint_snippet(code, select=("ADJ108",))
    assert [d.line for d in found] == [19]
    assert found[0].message.endswith(
        "pass the function and call the wrapper: `async_to_sync(product_count)(...)`"
    )


def test_async_hooks_that_django_calls_as_sync_functions_are_reported():
    code = dedent(
        """\
        from django import forms, template
        from django.contrib import admin
        from django.db import models

        register = template.Library()
        other = object()


        class NameForm(forms.Form):
            async def clean_name(self):
                return ""

            async def clean(self):
                return {}

            async def load_choices(self):
                return []


        class Note(models.Model):
            async def save(self, *args, **kwargs):
                pass

            async def asave(self, *args, **kwargs):
                pass

            def __str__(self):
                return ""


        @register.filter
        async def shout(value):
            return value.upper()


        @register.simple_tag(takes_context=True)
        async def greeting(context):
            return ""


        @register.filter
        def whisper(value):
            return value.lower()


        @admin.action(description="Archive")
        async def archive(modeladmin, request, queryset):
            pass


        @other.filter
        async def not_a_library(value):
            return value
        """
    )
    assert lines(code, "ADJ109") == [10, 13, 21, 31, 36, 46]


def test_the_await_fix_is_offered_in_async_code_only_and_parenthesizes_where_needed():
    from asyncdj_lint.fixes import apply_fixes

    code = HELPERS + dedent(
        """\
        async def view(request):
            if not product_count():
                return product_count()["n"]


        def sync_view(request):
            return {"count": product_count()}
        """
    )
    found = lint_snippet(code, select=("ADJ108",))
    assert [(d.line, d.fix is not None) for d in found] == [(19, True), (20, True), (24, False)]
    fixed = apply_fixes(code, [d.fix for d in found if d.fix is not None]).source
    assert '    if not await product_count():\n        return (await product_count())["n"]\n' in fixed


def test_a_coroutine_returned_from_a_middleware_hook_is_reported_only_where_django_calls_the_hook():
    code = HELPERS + dedent(
        """\
        from django.utils.deprecation import MiddlewareMixin


        class CountingMiddleware(MiddlewareMixin):
            def process_request(self, request):
                return product_count()


        class Factory:
            def __init__(self, get_response):
                self.get_response = get_response

            def __call__(self, request):
                return self.get_response(request)

            def process_exception(self, request, exception):
                return product_count()


        class NotMiddleware:
            def process_view(self, request, view_func, view_args, view_kwargs):
                return product_count()
        """
    )
    assert lines(code, "ADJ108") == [23, 34]
