"""ADJ406's fix (a transaction block moved into a sync function run in a thread) and ADJ701's
(sync handlers of a mixed class-based view awaited through `sync_to_async`): what they write,
and where they offer nothing."""

from __future__ import annotations

import ast

from asyncdj_lint.fixes import Safety, apply_fixes
from tests.helpers import lint_snippet

VIEW = """\
from asgiref.sync import sync_to_async
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product


async def restock(request, pk):
{body}
"""


def _fixed(code: str, select: str) -> tuple[list[Safety], str]:
    found = [d for d in lint_snippet(code, select=(select,)) if d.code == select]
    assert found, f"{select} reported nothing"
    fixes = [d.fix for d in found if d.fix is not None]
    assert fixes, f"{select} offered no fix"
    result = apply_fixes(code, fixes)
    ast.parse(result.source)
    return [fix.safety for fix in fixes], result.source


def _no_fix(code: str, select: str) -> None:
    found = [d for d in lint_snippet(code, select=(select,)) if d.code == select]
    assert found, f"{select} reported nothing"
    assert [d.fix for d in found] == [None] * len(found)


def test_a_name_the_block_binds_first_and_the_view_reads_is_returned():
    body = """\
    # Take it off the shelf.
    with transaction.atomic():
        product = await Product.objects.aget(pk=pk)  # the row
        product.available = False
        await product.asave()
    return HttpResponse(product.name)"""
    safety, fixed = _fixed(VIEW.format(body=body), "ADJ406")
    assert safety == [Safety.UNSAFE]
    assert fixed.endswith(
        """\
    # Take it off the shelf.
    def restock_in_transaction():
        with transaction.atomic():
            product = Product.objects.get(pk=pk)  # the row
            product.available = False
            product.save()
        return product

    product = await sync_to_async(restock_in_transaction)()
    return HttpResponse(product.name)
"""
    )


def test_a_name_the_view_binds_too_is_nonlocal_and_bridges_are_called_directly():
    body = """\
    count = 0
    with transaction.atomic():
        count += await Product.objects.filter(pk=pk).aupdate(available=True)
        await sync_to_async(print, thread_sensitive=True)(count)
        await sync_to_async(lambda: print(pk))()
    return HttpResponse(str(count))"""
    _, fixed = _fixed(VIEW.format(body=body), "ADJ406")
    assert (
        """\
    def restock_in_transaction():
        nonlocal count
        with transaction.atomic():
            count += Product.objects.filter(pk=pk).update(available=True)
            print(count)
            (lambda: print(pk))()

    await sync_to_async(restock_in_transaction)()
"""
        in fixed
    )


def test_the_helper_name_never_clashes_with_a_name_of_the_module():
    code = VIEW.format(
        body="""\
    restock_in_transaction = 1
    with transaction.atomic():
        await Product.objects.filter(pk=pk).adelete()
    return HttpResponse(str(restock_in_transaction))"""
    )
    _, fixed = _fixed(code, "ADJ406")
    assert "    def restock_in_transaction_2():\n" in fixed
    assert "    await sync_to_async(restock_in_transaction_2)()\n" in fixed


# Each view body's transaction block cannot move into a sync function unchanged.
BLOCKS_WITH_NO_FIX = {
    "an await with no sync twin": "    with transaction.atomic():\n        await asyncio.sleep(1)",
    "an async for": (
        "    with transaction.atomic():\n        async for product in Product.objects.all():\n            pass"
    ),
    "a return leaving the block": "    with transaction.atomic():\n        return HttpResponse()",
    "a break of an outer loop": "    for _ in range(2):\n        with transaction.atomic():\n            break",
    "zero-argument super()": "    with transaction.atomic():\n        super().save()",
    "a string over several lines": '    with transaction.atomic():\n        print("""a\n        b""")',
    "a name bound in a branch and read after": (
        "    with transaction.atomic():\n        if pk:\n            product = await Product.objects.aget(pk=pk)\n"
        "    return HttpResponse(product.name)"
    ),
    "a nested async def": (
        "    with transaction.atomic():\n        async def later():\n            await Product.objects.acount()"
    ),
    "a global": "    with transaction.atomic():\n        global COUNT\n        COUNT = 1",
    "a del": "    with transaction.atomic():\n        del pk",
    "a yield": "    with transaction.atomic():\n        yield pk",
    "a continue of an outer loop": (
        "    for _ in range(2):\n        with transaction.atomic():\n            continue"
    ),
    "an async comprehension": (
        "    with transaction.atomic():\n        names = [p.name async for p in Product.objects.all()]"
    ),
    "a match statement": "    with transaction.atomic():\n        match pk:\n            case 1:\n                pass",
    "a star import": "    with transaction.atomic():\n        from os.path import *",
    "an awaited coroutine object": (
        "    count = Product.objects.acount()\n    with transaction.atomic():\n        await count"
    ),
    "a bridge out of the request's thread": (
        "    with transaction.atomic():\n        await sync_to_async(print, thread_sensitive=False)(pk)"
    ),
    "a bridge given its function by keyword": (
        "    with transaction.atomic():\n        await sync_to_async(func=print)(pk)"
    ),
    "a global in the rest of the view": (
        "    global COUNT\n    with transaction.atomic():\n        await Product.objects.acount()"
    ),
    "an async with": "    async with transaction.atomic():\n        await Product.objects.acount()",
    "a name the view reads after, bound by a with in the block": (
        "    with transaction.atomic():\n        with open(pk) as handle:\n            pass\n"
        "    return HttpResponse(handle.name)"
    ),
}


def test_no_fix_where_the_block_cannot_move_unchanged():
    for why, body in BLOCKS_WITH_NO_FIX.items():
        code = "import asyncio\n" + VIEW.format(body=body)
        try:
            _no_fix(code, "ADJ406")
        except AssertionError as error:
            raise AssertionError(why) from error


def test_no_fix_for_an_await_on_a_receiver_not_known_to_be_a_model_instance():
    body = """\
    with transaction.atomic():
        await request.user.asave()
    return HttpResponse()"""
    _no_fix(VIEW.format(body=body), "ADJ406")


MIXED_VIEW = """\
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.http import require_POST
from shop.models import Product


{decorators}class ProductView(View):
    async def get(self, request, pk):
        return JsonResponse({{"pk": pk}})

{handlers}
"""


def test_each_own_sync_handler_is_awaited_through_sync_to_async_keeping_its_decorators():
    handlers = """\
    # Takes it off the shelf.
    @method_decorator(require_POST)
    def post(self, request, pk):
        Product.objects.filter(pk=pk).update(available=False)
        return HttpResponse(status=204)

    def delete(self, request, pk):
        return HttpResponse(status=204)"""
    safety, fixed = _fixed(MIXED_VIEW.format(decorators="", handlers=handlers), "ADJ701")
    assert safety == [Safety.UNSAFE]
    assert (
        """\
    # Takes it off the shelf.
    async def post(self, request, *args, **kwargs):
        return await sync_to_async(self._post_sync)(request, *args, **kwargs)

    @method_decorator(require_POST)
    def _post_sync(self, request, pk):
        Product.objects.filter(pk=pk).update(available=False)
        return HttpResponse(status=204)

    async def delete(self, request, *args, **kwargs):
        return await sync_to_async(self._delete_sync)(request, *args, **kwargs)

    def _delete_sync(self, request, pk):
"""
        in fixed
    )
    assert "from asgiref.sync import sync_to_async\n" in fixed
    assert [d for d in lint_snippet(fixed, select=("ADJ701",))] == []


# Mixed views whose sync handlers cannot be wrapped as they are.
VIEWS_WITH_NO_FIX = {
    "a handler another one calls through self": (
        "",
        (
            "    def post(self, request, pk):\n        return self.put(request, pk)\n\n"
            "    def put(self, request, pk):\n        return HttpResponse()"
        ),
    ),
    "a class decorator naming a handler": (
        '@method_decorator(require_POST, name="post")\n',
        "    def post(self, request, pk):\n        return HttpResponse()",
    ),
    "a handler with only star parameters": (
        "",
        "    def post(*args, **kwargs):\n        return HttpResponse()",
    ),
    "a new name already taken": (
        "",
        (
            "    def post(self, request, pk):\n        return HttpResponse()\n\n"
            "    def _post_sync(self):\n        return None"
        ),
    ),
}


def test_no_fix_where_a_sync_handler_cannot_be_wrapped_as_it_is():
    for why, (decorators, handlers) in VIEWS_WITH_NO_FIX.items():
        try:
            _no_fix(MIXED_VIEW.format(decorators=decorators, handlers=handlers), "ADJ701")
        except AssertionError as error:
            raise AssertionError(why) from error


def test_no_fix_where_the_sync_handlers_are_inherited_from_a_generic_view():
    code = """\
from django.http import JsonResponse
from django.views.generic import FormView


class ContactView(FormView):
    async def get(self, request):
        return JsonResponse({})
"""
    _no_fix(code, "ADJ701")


def test_an_atomic_async_view_runs_its_body_in_the_decorated_nested_function():
    code = '''\
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product


class Shelf:
    @transaction.atomic(using="default")
    async def restock(self, request, pk):  # the view
        """Restock it."""
        pk = int(pk)
        await Product.objects.filter(pk=pk).aupdate(available=True)
        return HttpResponse("restocked")
'''
    safety, fixed = _fixed(code, "ADJ406")
    assert safety == [Safety.UNSAFE]
    assert fixed.endswith(
        '''\
class Shelf:
    async def restock(self, request, pk):  # the view
        """Restock it."""

        @transaction.atomic(using="default")
        def restock_in_transaction():
            nonlocal pk
            pk = int(pk)
            Product.objects.filter(pk=pk).update(available=True)
            return HttpResponse("restocked")

        return await sync_to_async(restock_in_transaction)()
'''
    )


def test_no_fix_for_an_atomic_async_view_whose_body_cannot_move_or_with_a_decorator_below_atomic():
    view = """\
import asyncio
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product


@transaction.atomic
{decorator}async def restock(request, pk):
    {awaited}
    return HttpResponse("restocked")
"""
    _no_fix(view.format(decorator="", awaited="await asyncio.sleep(1)"), "ADJ406")
    _no_fix(view.format(decorator="@login_required\n", awaited="await Product.objects.acount()"), "ADJ406")
    # The same body under `atomic` alone moves.
    _fixed(view.format(decorator="", awaited="await Product.objects.acount()"), "ADJ406")


def test_two_transaction_blocks_of_one_view_get_two_names():
    body = """\
    with transaction.atomic():
        await Product.objects.filter(pk=pk).aupdate(available=True)
    with transaction.atomic():
        await Product.objects.filter(pk=pk).aupdate(available=False)
    return HttpResponse()"""
    _, fixed = _fixed(VIEW.format(body=body), "ADJ406")
    assert "    await sync_to_async(restock_in_transaction)()\n" in fixed
    assert "    await sync_to_async(restock_in_transaction_2)()\n" in fixed


def test_every_kind_of_binding_is_carried_out_or_kept_inside():
    body = """\
    found = None
    with transaction.atomic():
        import json
        first, *rest = [await Product.objects.acount(), 0]
        if (count := await Product.objects.acount()):
            found = json.dumps(count)
        try:
            pass
        except ValueError as error:
            raise
        for product in Product.objects.all():
            product.name = "x"
        def later():
            return pk
        class Later:
            pass
    return HttpResponse(str([found, first]))"""
    _, fixed = _fixed(VIEW.format(body=body), "ADJ406")
    assert "        nonlocal found\n" in fixed
    assert "        return first\n" in fixed
    assert "    first = await sync_to_async(restock_in_transaction)()\n" in fixed
    _no_fix(VIEW.format(body=body.replace("[found, first]", "[found, json.dumps(first)]")), "ADJ406")


ASYNC_DISPATCH = """\
from django.http import HttpResponse
from django.views import View


class HomeView(View):
    async def dispatch(self, request, *args, **kwargs):
        return await super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return HttpResponse("home")

    def head(self, request):
        return {head}
"""


def test_an_async_dispatch_gets_async_handlers_unless_one_calls_another():
    _, fixed = _fixed(ASYNC_DISPATCH.format(head="HttpResponse()"), "ADJ705")
    assert "    async def get(self, request, *args, **kwargs):\n" in fixed
    assert "    async def head(self, request, *args, **kwargs):\n" in fixed
    assert [d for d in lint_snippet(fixed, select=("ADJ705", "ADJ701"))] == []
    _no_fix(ASYNC_DISPATCH.format(head="self.get(request)"), "ADJ705")
