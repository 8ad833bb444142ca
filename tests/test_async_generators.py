"""Async generators (`async def` with `yield`) run on the event loop: every on-loop rule applies.

Django iterates a StreamingHttpResponse's async iterator on the loop (under WSGI too, through
async_to_sync), so a plain `for` over a QuerySet there raises SynchronousOnlyOperation, as in
any `async def`; calling an async generator function builds it without running it.
"""

from __future__ import annotations

from tests.helpers import lint_snippet

HELPERS = {
    "reports.py": """\
from shop.models import Order


def order_count():
    return Order.objects.count()
""",
}


def found(code: str) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in lint_snippet(code, extra_files=HELPERS)]


def test_every_on_loop_rule_fires_in_an_async_generator_handed_to_streaming_http_response() -> None:
    code = """\
import time

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from reports import order_count
from shop.models import Order


async def export(request):
    async def rows():
        yield str(request.user.pk)
        yield request.session.get("theme", "")
        yield str(order_count())
        yield str(get_object_or_404(Order, pk=1))
        time.sleep(0.1)
        order = await Order.objects.aget(pk=1)
        yield order.customer.name
        order.save()
        for line in Order.objects.all():
            yield str(line.pk)
        yield str([o.pk for o in Order.objects.all()])

    return StreamingHttpResponse(rows())
"""
    assert found(code) == [
        (11, "ADJ501"),
        (12, "ADJ502"),
        (13, "ADJ301"),
        (14, "ADJ504"),
        (15, "ADJ512"),
        (17, "ADJ201"),
        (18, "ADJ103"),
        (19, "ADJ102"),
        (21, "ADJ102"),
    ]


def test_an_async_generator_in_a_sync_view_or_a_method_runs_on_the_loop() -> None:
    code = """\
from django.http import StreamingHttpResponse
from shop.models import Order


def export(request):
    orders = Order.objects.all()

    async def rows():
        for order in orders:
            yield str(order.pk)

    return StreamingHttpResponse(rows())


class Feed:
    async def items(self):
        for order in Order.objects.filter(note=""):
            yield order
        yield Order.objects.get(pk=1)
"""
    assert found(code) == [(9, "ADJ102"), (17, "ADJ102"), (19, "ADJ101")]


def test_an_async_generator_iterated_with_async_for_and_built_without_await_is_silent() -> None:
    code = """\
from django.http import StreamingHttpResponse
from shop.models import Order


async def rows():
    async for order in Order.objects.select_related("customer"):
        yield f"{order.pk},{order.customer.name}\\n"


def sync_export(request):
    return StreamingHttpResponse(rows())


async def async_export(request):
    stream = rows()
    return StreamingHttpResponse(stream)
"""
    assert found(code) == []
