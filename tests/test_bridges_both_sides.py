"""Bridges on both sides: `async_to_sync` behind a sync helper, a bridge around a constructor only."""

from __future__ import annotations

from textwrap import dedent

from tests.helpers import lint_snippet

ASYNC_TO_SYNC_HELPERS = """\
import asyncio

from asgiref.sync import async_to_sync, sync_to_async
from django.http import HttpResponse
from shop.models import Product


async def count_products():
    return await Product.objects.acount()


def product_total():
    return async_to_sync(count_products)()


def report_line():
    return f"{product_total()} products"


def total_wherever_called():
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return async_to_sync(count_products)()
    return None
"""


def findings(code: str, *codes: str) -> list[tuple[int, str, str]]:
    """Findings of `codes`, with every rule selected (helper bodies are judged by the selected rules)."""
    return [(d.line, d.code, d.message) for d in lint_snippet(dedent(code)) if d.code in codes]


def test_async_to_sync_two_calls_behind_a_sync_helper_is_reported_at_the_call_with_the_chain():
    code = ASYNC_TO_SYNC_HELPERS + dedent(
        """\
        async def view(request):
            return HttpResponse(report_line())
        """
    )
    [(line, code_, message)] = findings(code, "ADJ301", "ADJ403")
    assert (line, code_) == (27, "ADJ301")
    assert message.startswith(
        "`async_to_sync(count_products)()` runs async_to_sync on the event loop's thread: RuntimeError "
        "(You cannot use AsyncToSync in the same thread as an async event loop), reached from "
        "`report_line()` on the event loop: report_line() -> product_total() -> "
        "async_to_sync(count_products)() (snippet.py:13)"
    )
    assert message.endswith("use `await sync_to_async(report_line)(...)`")


def test_async_to_sync_behind_a_helper_run_in_a_thread_called_from_sync_code_or_after_a_loop_check_is_silent():
    code = ASYNC_TO_SYNC_HELPERS + dedent(
        """\
        async def view(request):
            line = await sync_to_async(report_line)()
            return HttpResponse(f"{line} {total_wherever_called()}")


        def sync_view(request):
            return HttpResponse(report_line())
        """
    )
    assert findings(code, "ADJ301", "ADJ403") == []


def test_async_to_sync_after_a_loop_check_in_async_code_is_silent_but_without_one_is_reported():
    code = ASYNC_TO_SYNC_HELPERS + dedent(
        """\
        async def view(request):
            if asyncio.get_event_loop().is_running():
                total = await count_products()
            else:
                total = async_to_sync(count_products)()
            return HttpResponse(async_to_sync(count_products)() + total)
        """
    )
    assert [(line, code_) for line, code_, _ in findings(code, "ADJ403")] == [(31, "ADJ403")]


CATALOGUE = """\
import requests
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from shop.models import Product


class Catalogue:
    def __init__(self, base):
        self.base = base

    def names(self):
        return [p.name for p in Product.objects.all()]

    def remote(self):
        return requests.get(self.base, timeout=5).json()

    def label(self):
        return self.base.upper()
"""


def test_methods_of_an_object_built_through_sync_to_async_run_on_the_loop_and_are_reported():
    code = CATALOGUE + dedent(
        """\
        async def view(request):
            catalogue = await sync_to_async(Catalogue)("https://example.com")
            catalogue.remote()
            return JsonResponse({"names": catalogue.names(), "label": catalogue.label()})
        """
    )
    got = findings(code, "ADJ301", "ADJ302")
    assert [(line, code_) for line, code_, _ in got] == [(21, "ADJ302"), (22, "ADJ301")]
    note = (
        "(`sync_to_async(Catalogue)` ran only the constructor in a thread; the object's methods run "
        "where they are called)"
    )
    assert all(message.endswith(note) for _, _, message in got)
    assert "reached from `catalogue.names()` on the event loop" in got[1][2]


def test_methods_of_an_object_built_through_sync_to_async_called_in_a_thread_are_silent():
    code = CATALOGUE + dedent(
        """\
        async def view(request):
            catalogue = await sync_to_async(Catalogue)("https://example.com")
            names = await sync_to_async(catalogue.names)()
            await sync_to_async(catalogue.remote)()
            return JsonResponse({"names": names, "label": catalogue.label()})
        """
    )
    assert findings(code, "ADJ301", "ADJ302") == []


REGISTRY = """\
from django.http import HttpResponse, JsonResponse

HANDLERS = {}
HOOKS = []
SAFE_HANDLERS = {}


def handles(kind, registry=HANDLERS):
    def register(handler):
        registry[kind] = handler
        return handler

    return register


@handles("missing")
async def missing(request):
    return JsonResponse({"detail": "missing"}, status=404)


@handles("missing", SAFE_HANDLERS)
def missing_safe(request):
    return JsonResponse({"detail": "missing"}, status=404)


async def audit(request):
    return None


HOOKS.append(audit)
"""


def test_an_async_handler_stored_in_a_registry_whose_entries_sync_code_calls_is_reported():
    code = REGISTRY + dedent(
        """\


        def dispatch(request, kind, registry):
            handler = registry.get(kind)
            return handler(request)


        def run_hooks(request):
            for hook in HOOKS:
                hook(request)


        def view(request):
            run_hooks(request)
            return dispatch(request, "missing", HANDLERS)


        def safe_view(request):
            return dispatch(request, "missing", SAFE_HANDLERS)
        """
    )
    got = findings(code, "ADJ108")
    assert [line for line, _, _ in got] == [16, 30]
    assert got[0][2].startswith(
        "`missing` is an `async def` stored in `HANDLERS`, whose entries `dispatch()` calls from sync "
        "code without awaiting them (`handler(request)`)"
    )
    assert got[1][2].startswith(
        "`audit` is an `async def` stored in `HOOKS`, whose entries `run_hooks()` calls"
    )


def test_a_registry_whose_sync_caller_handles_coroutines_or_whose_caller_is_async_is_silent():
    code = REGISTRY + dedent(
        """\
        import inspect

        from asgiref.sync import async_to_sync


        def dispatch(request, kind):
            result = HANDLERS[kind](request)
            if inspect.isawaitable(result):
                result = async_to_sync(lambda: result)()
            return result


        async def run_hooks(request):
            for hook in HOOKS:
                await hook(request)


        def register_later(request):
            return len(HOOKS)


        def pick(request, kind):
            return HANDLERS[kind](request)


        async def view(request):
            return await pick(request, "missing")
        """
    )
    assert findings(code, "ADJ108") == []


CALLBACKS = """\
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from shop.models import Product


def rename(pk, name):
    Product.objects.filter(pk=pk).update(name=name)


async def arename(pk, name):
    await Product.objects.filter(pk=pk).aupdate(name=name)


def each_product(pks, callback):
    for pk in pks:
        callback(pk, "Renamed")


def each_product_later(pks, callback):
    return [(pk, callback) for pk in pks]


def first_product(callback):
    return callback(1, "Renamed")


def gathered(callback):
    pending = callback(1, "Renamed")
    return [pending]
"""


def test_an_async_callable_handed_to_sync_code_that_calls_it_is_reported_at_the_argument():
    code = CALLBACKS + dedent(
        """\


        def view(request):
            each_product([1, 2], sync_to_async(rename))
            each_product([1, 2], callback=arename)
            return HttpResponse("ok")
        """
    )
    got = findings(code, "ADJ108")
    assert [(line, message.split(":")[0]) for line, _, message in got] == [
        (
            33,
            (
                "`sync_to_async(rename)` is a sync_to_async wrapper handed to `each_product()`, which calls "
                'it from sync code without awaiting (`callback(pk, "Renamed")`)'
            ),
        ),
        (
            34,
            (
                "`arename` is an async function handed to `each_product()`, which calls it from sync code "
                'without awaiting (`callback(pk, "Renamed")`)'
            ),
        ),
    ]
    assert got[0][2].endswith("pass `rename` itself, the callee is sync code")


def test_a_sync_callable_or_one_the_sync_callee_stores_or_returns_is_silent():
    code = CALLBACKS + dedent(
        """\


        async def view(request):
            each_product([1, 2], rename)
            each_product_later([1, 2], sync_to_async(rename))
            await first_product(arename)
            await asyncio.gather(*gathered(sync_to_async(rename)))
            return HttpResponse("ok")
        """
    )
    assert findings("import asyncio\n" + code, "ADJ108") == []


CONSUMER = """\
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from shop.models import Product


@sync_to_async
def product_names():
    return [p.name for p in Product.objects.all()]


@sync_to_async
def shout(text):
    return text.upper()


class Chat(AsyncWebsocketConsumer):
    @sync_to_async
    def product_count(self):
        return Product.objects.count()

    @database_sync_to_async
    def product_total(self):
        return Product.objects.count()
"""


def test_helpers_decorated_with_plain_sync_to_async_that_query_are_reported_where_a_consumer_awaits_them():
    code = CONSUMER + (
        "\n"
        "    async def connect(self):\n"
        "        names = await product_names()\n"
        "        count = await self.product_count()\n"
        "        total = await self.product_total()\n"
        '        loud = await shout("hello")\n'
        "        await self.accept()\n"
    )
    got = findings(code, "ADJ408")
    assert [line for line, _, _ in got] == [27, 28]
    assert "through `@sync_to_async` on `Chat.product_count`" in got[1][2]


def test_helpers_decorated_with_plain_sync_to_async_awaited_outside_consumers_are_silent():
    code = CONSUMER + dedent(
        """\


        async def view(request):
            return await product_names()
        """
    )
    assert findings(code, "ADJ408") == []


def test_a_wrapper_bound_to_a_name_or_handed_to_a_method_that_calls_it_is_reported():
    code = CALLBACKS + dedent(
        """\


        class Batch:
            def __init__(self, pks):
                self.pks = pks

            def each(self, callback):
                for pk in self.pks:
                    callback(pk, "Renamed")

            @staticmethod
            def each_of(pks, callback):
                for pk in pks:
                    callback(pk, "Renamed")


        def view(request):
            save = sync_to_async(rename)
            Batch([1]).each(save)
            Batch.each_of([1], arename)
            Batch.each_of([1], rename)
            return HttpResponse("ok")
        """
    )
    got = findings(code, "ADJ108")
    assert [(line, message.split(" handed")[0]) for line, _, message in got] == [
        (48, "`save` is a sync_to_async wrapper"),
        (49, "`arename` is an async function"),
    ]
    assert got[0][2].endswith("pass `rename` itself, the callee is sync code")
    assert "handed to `Batch.each()`" in got[0][2]


BRIDGED_RESULTS = """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from shop.models import Order, Product


def products():
    return Product.objects.filter(name__startswith="a")


def one_order(pk):
    return Order.objects.get(pk=pk)


def product_names():
    return [p.name for p in Product.objects.all()]
"""


def test_what_a_bridged_call_returns_is_followed_onto_the_loop():
    code = BRIDGED_RESULTS + dedent(
        """\


        async def listing(request):
            qs = await sync_to_async(products)()
            return JsonResponse({"n": [p.name for p in qs]})


        async def by_manager(request, pk):
            order = await sync_to_async(Order.objects.get)(pk=pk)
            return JsonResponse({"n": order.customer.name})


        async def by_helper(request, pk):
            order = await sync_to_async(one_order)(pk)
            return JsonResponse({"n": order.customer.name})
        """
    )
    got = [(line, code_) for line, code_, _ in findings(code, "ADJ102", "ADJ201")]
    assert got == [(20, "ADJ102"), (25, "ADJ201"), (30, "ADJ201")]


def test_what_a_bridged_call_returns_used_correctly_is_silent():
    code = BRIDGED_RESULTS + dedent(
        """\


        async def listing(request):
            qs = await sync_to_async(products)()
            names = await sync_to_async(product_names)()
            order = await sync_to_async(Order.objects.select_related("customer").get)(pk=1)
            count = await qs.acount()
            return JsonResponse({"n": [p.name async for p in qs], "c": order.customer.name, "m": names})
        """
    )
    assert findings(code, "ADJ102", "ADJ201", "ADJ301") == []


COROUTINE_RESULTS = """\
import asyncio

from django.http import HttpResponse
from shop.models import Product


async def product_count():
    return await Product.objects.acount()
"""


def test_a_project_coroutine_iterated_or_handed_to_a_builtin_or_a_response_is_reported():
    code = COROUTINE_RESULTS + dedent(
        """\


        def stock(request):
            return HttpResponse(product_count())


        def label(request):
            return HttpResponse(str(product_count()))


        def each(request):
            for digit in product_count():
                pass
            return HttpResponse(len([d for d in product_count()]))


        async def stock_async(request):
            return HttpResponse(product_count())
        """
    )
    got = [
        (d.line, d.message.split(": ", 1)[1].split(";")[0]) for d in lint_snippet(code, select=("ADJ108",))
    ]
    assert got == [
        (12, "`HttpResponse()` gets the coroutine object instead of its result"),
        (16, "`str()` gets the coroutine object instead of its result"),
        (20, "a coroutine is not iterable (TypeError: 'coroutine' object is not iterable)"),
        (22, "a coroutine is not iterable (TypeError: 'coroutine' object is not iterable)"),
        (26, "`HttpResponse()` gets the coroutine object instead of its result"),
    ]
    [fixable] = [d for d in lint_snippet(code, select=("ADJ108",)) if d.fix is not None]
    assert fixable.line == 26


def test_a_project_coroutine_handed_to_a_runner_or_iterated_after_awaiting_is_silent():
    code = COROUTINE_RESULTS + dedent(
        """\


        def stock(request):
            return HttpResponse(asyncio.run(product_count()))


        async def each(request):
            for digit in str(await product_count()):
                pass
            task = asyncio.ensure_future(product_count())
            return HttpResponse(await task)
        """
    )
    assert findings(code, "ADJ108") == []


def test_registries_filled_and_read_in_every_written_form_are_reported_where_the_handler_is_stored():
    code = dedent(
        """\
        from collections import defaultdict

        from django.http import HttpResponse

        ROUTES: dict = dict()
        LISTENERS = defaultdict(list)
        HOOKS = []
        CHECKS = {}


        def route(handler):
            ROUTES[handler.__name__] = handler
            return handler


        def check(handler):
            CHECKS.setdefault(handler.__name__, handler)
            return handler


        @route
        async def home(request):
            return HttpResponse("home")


        @check
        async def healthy():
            return True


        async def on_save(instance):
            return None


        async def on_delete(instance):
            return None


        TABLE = {"save": on_save}
        LISTENERS["delete"] = on_delete
        HOOKS.insert(0, on_save)


        def serve(request, name):
            return ROUTES.get(name)(request)


        def notify(event, instance, table=TABLE):
            table[event](instance)


        def broadcast(instance, *, listeners):
            for _, listener in listeners.items():
                listener(instance)


        def run_hooks(instance):
            for hook in HOOKS:
                if hook(instance):
                    return True
            return False


        def all_healthy():
            for probe in CHECKS.values():
                if not probe():
                    return False
            return True


        def fire(instance):
            broadcast(instance, listeners=LISTENERS)
        """
    )
    got = [(line, message.split("`")[5]) for line, _, message in findings(code, "ADJ108")]
    assert got == [(21, "ROUTES"), (26, "CHECKS"), (39, "TABLE"), (40, "LISTENERS"), (41, "HOOKS")]


def test_a_registry_read_by_a_nested_function_or_only_handed_on_is_silent():
    code = dedent(
        """\
        import asyncio

        HANDLERS = {}


        async def on_save(instance):
            return None


        HANDLERS["save"] = on_save


        def later(event):
            def run(instance):
                return HANDLERS[event](instance)

            return run


        def run_now(event, instance):
            asyncio.run(HANDLERS[event](instance))


        def collect(event, instance):
            return [HANDLERS[event](instance)]
        """
    )
    assert findings(code, "ADJ108") == []


def test_an_async_callable_handed_to_transaction_on_commit_is_reported_and_a_sync_one_is_not():
    code = dedent(
        """\
        from asgiref.sync import async_to_sync, sync_to_async
        from django.db import transaction
        from django.http import HttpResponse


        async def announce():
            return None


        def record():
            return None


        def create(request):
            transaction.on_commit(sync_to_async(record))
            transaction.on_commit(using="default", func=announce)
            transaction.on_commit(record)
            transaction.on_commit(async_to_sync(announce))
            transaction.on_commit(lambda: async_to_sync(announce)())
            return HttpResponse("ok")
        """
    )
    got = [
        (line, message.split(" is ")[1].split(" handed")[0]) for line, _, message in findings(code, "ADJ108")
    ]
    assert got == [(15, "a sync_to_async wrapper"), (16, "an async function")]
