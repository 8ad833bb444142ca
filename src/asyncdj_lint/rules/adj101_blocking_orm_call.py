"""ADJ101: a QuerySet or Manager method that runs SQL, called on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import callee_name
from asyncdj_lint.analysis.values import Manager
from asyncdj_lint.facts import orm_api
from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._fixes import await_twin, bridge_fix
from asyncdj_lint.rules._orm import orm_receiver
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity

ON_COMMIT = "django.db.transaction.on_commit"
# Opening a cursor on Django's connection (`async_unsafe`): raw SQL has no async API.
RAW_CURSORS = frozenset({"django.db.connection.cursor", "django.db.connection.chunked_cursor"})


class BlockingOrmCall(Rule):
    code = "ADJ101"
    name = "blocking-orm-call"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A QuerySet or Manager method that runs a query is called in async code."
    why = (
        "Methods such as `get()`, `count()`, `create()` or `update()` run SQL before they "
        "return. Django guards its database connections: called on the event loop, they "
        "raise `SynchronousOnlyOperation`, and only on the code path that runs, so tests "
        "that miss the path miss the bug. Each has an async twin (`aget()`, `acount()`, "
        "...) since Django 4.1; `iterator()` has `aiterator()`. A custom manager or "
        "QuerySet method that runs a query has no twin: run it with `sync_to_async`. "
        "Code that does not run on the loop is not reported: a callable handed to "
        "`transaction.on_commit`, `add_post_render_callback`, a signal's `connect`, "
        "`atexit.register` or a thread or process pool runs where that calls it, and the "
        "decorators of a module-level `async def` run at import time. `transaction.on_commit()` "
        "itself is reported: outside `atomic` it checks the connection's autocommit state, "
        "which raises on the loop. Raw SQL through `connection.cursor()` has no async form: "
        "opening the cursor on the loop raises too."
    )
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "A method with an async twin is replaced by its awaited twin (`Product.objects.get(pk=pk)` "
        "becomes `await Product.objects.aget(pk=pk)`): the fix is safe, the twin runs the same query "
        "with the same arguments. A custom method that runs a query is called through "
        "`await sync_to_async(...)(...)`, importing `sync_to_async`: that fix is unsafe, as it moves the "
        "method's work into a thread. `iterator()` has no fix: `aiterator()` needs an `async for`. "
        "No fix is offered where `await` cannot be written (in a comprehension or a lambda)."
    )
    invalid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_detail(request, pk):
    product = Product.objects.get(pk=pk)
    return JsonResponse({"name": product.name})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "6:15-6:41",
                    "`Product.objects.get()` runs a database query on the event loop and raises SynchronousOnlyOperation; use `await Product.objects.aget(...)`",
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Product


async def product_detail(request, pk):
    product = await Product.objects.aget(pk=pk)
    return JsonResponse({"name": product.name})
""",
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def cheapest(request):
    product = Product.objects.cheapest()
    return JsonResponse({"name": product.name})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "6:15-6:41",
                    "`Product.objects.cheapest()` runs a database query on the event loop and raises SynchronousOnlyOperation; use `await sync_to_async(Product.objects.cheapest)(...)`",
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Product
from asgiref.sync import sync_to_async


async def cheapest(request):
    product = await sync_to_async(Product.objects.cheapest)()
    return JsonResponse({"name": product.name})
""",
        ),
        Example(
            """\
from django.db import transaction
from django.http import JsonResponse
from shop.models import Product


async def restock(request, pk):
    transaction.on_commit(lambda: Product.objects.filter(pk=pk).update(available=True))
    return JsonResponse({"queued": True})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:5-7:88",
                    "`transaction.on_commit()` reads the connection's autocommit state on the event loop and raises SynchronousOnlyOperation (the callable itself would run later, off the loop); register it inside the sync function that writes, run with `sync_to_async`",
                ),
            ),
        ),
        Example(
            """\
from django.db import connection
from django.http import JsonResponse


async def database_version(request):
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()")
        row = cursor.fetchone()
    return JsonResponse({"version": row[0]})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "6:10-6:29",
                    "`connection.cursor()` opens a database cursor on the event loop and raises SynchronousOnlyOperation; run the raw SQL in a sync function called with `await sync_to_async(...)`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.db import connection
from django.http import JsonResponse


def sqlite_version():
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()")
        return cursor.fetchone()[0]


async def database_version(request):
    return JsonResponse({"version": await sync_to_async(sqlite_version)()})
"""
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_detail(request, pk):
    product = await Product.objects.aget(pk=pk)
    return JsonResponse({"name": product.name})
"""
        ),
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from shop.models import Product


async def cheapest(request):
    product = await sync_to_async(Product.objects.cheapest)()
    return JsonResponse({"name": product.name})
"""
        ),
        Example(
            """\
import logging

from django.template.response import TemplateResponse
from shop.models import Product

log = logging.getLogger(__name__)


async def product_list(request):
    response = TemplateResponse(request, "shop/product_list.html", {"products": []})
    response.add_post_render_callback(lambda r: log.info("%d products", Product.objects.count()))
    return response
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop or not isinstance(node.func, cst.Attribute):
            return
        name = callee_name(self.ctx, node)
        if name in RAW_CURSORS:
            self.report(
                node,
                f"`{self.ctx.snippet(node.func)}()` opens a database cursor on the event loop and raises "
                "SynchronousOnlyOperation; run the raw SQL in a sync function called with "
                "`await sync_to_async(...)`",
            )
            return
        if name == ON_COMMIT:
            self.report(
                node,
                "`transaction.on_commit()` reads the connection's autocommit state on the event loop and "
                "raises SynchronousOnlyOperation (the callable itself would run later, off the loop); "
                "register it inside the sync function that writes, run with `sync_to_async`",
            )
            return
        found = orm_receiver(self.ctx, node)
        if found is None or not isinstance(node.func, cst.Attribute):
            return
        receiver, method = found
        receiver_text = self.ctx.snippet(node.func.value)
        call_text = f"{receiver_text}.{method}()"
        fix = None
        if method in orm_api.BLOCKING_METHODS:
            if method in orm_api.QUERYSET_ONLY_METHODS and isinstance(receiver, Manager):
                return  # Manager.delete does not exist; not a query at all
            twin = orm_api.BLOCKING_METHODS[method]
            advice = f"use `await {receiver_text}.{twin}(...)`"
            fix = await_twin(self.ctx, node, twin)
        elif method == "iterator":
            advice = f"use `async for ... in {receiver_text}.aiterator()`"
        else:
            custom = receiver.methods.method(method)
            if custom is None or custom.is_async or custom.returns != "sql":
                return
            advice = f"use `await sync_to_async({receiver_text}.{method})(...)`"
            fix = bridge_fix(self.ctx, node)
        self.report(
            node,
            f"`{call_text}` runs a database query on the event loop and raises "
            f"SynchronousOnlyOperation; {advice}",
            fix=fix,
        )
