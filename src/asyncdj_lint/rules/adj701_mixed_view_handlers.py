"""ADJ701: a class-based view with both sync and async HTTP handlers."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._async_handlers import handlers_fix
from asyncdj_lint.rules._request_path import view_handlers
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity

MIXED = Outcome(
    exception="django.core.exceptions.ImproperlyConfigured",
    message="HTTP handlers must either be all sync or all async.",
)


class MixedViewHandlers(Rule):
    code = "ADJ701"
    name = "mixed-view-handlers"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "A class-based view has both sync and async HTTP handlers."
    why = (
        "`View.as_view()` looks at every handler the class has for the names in "
        "`http_method_names` (`options` excepted) and requires them to be all sync or all "
        "async: a mix raises `ImproperlyConfigured: <View> HTTP handlers must either be all "
        "sync or all async.` when the URLconf is imported, so no page of the site loads. "
        "Inherited handlers count: Django's generic views are all sync, so an `async def get` "
        "on FormView, CreateView, UpdateView, DeleteView or RedirectView mixes with their "
        "`post`/`put`/`delete`. Make every handler `async def` (or all sync); for an async "
        "form or delete view, build it on `View`."
    )
    django_versions = "4.1 to 6.1"
    requires_text = (b"View",)
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "When every sync handler is a method the view defines itself, each (`def post(self, "
        "request, pk)`) is renamed `_post_sync` and an `async def post(self, request, *args, "
        "**kwargs)` in its place returns `await sync_to_async(self._post_sync)(request, *args, "
        "**kwargs)`: the handlers are then all async, and the sync code runs in a thread, as "
        "Django runs a sync view under ASGI. The fix is unsafe: the sync handler's work runs in a "
        "thread. There is no fix where a sync handler is inherited (Django's generic views call "
        "their handlers from one another), is a static or class method, where the module calls a "
        "handler through `self` or `super()` (it would get a coroutine), where a class decorator "
        'names a handler (`method_decorator(..., name="post")`), or where the new name is taken.'
    )
    invalid = (
        Example(
            """\
from django.http import HttpResponse, JsonResponse
from django.views import View
from shop.models import Product


class ProductView(View):
    async def get(self, request, pk):
        product = await Product.objects.aget(pk=pk)
        return JsonResponse({"name": product.name})

    def post(self, request, pk):
        Product.objects.filter(pk=pk).update(available=False)
        return HttpResponse(status=204)
""",
            MIXED,
            expected=(
                Expected(
                    "6:7-6:18",
                    "`ProductView` has async handlers (get) and sync ones (post): `as_view()` raises `ImproperlyConfigured: ProductView HTTP handlers must either be all sync or all async.` when the URLconf is imported; make every handler `async def`, or all sync",
                ),
            ),
            fixed="""\
from django.http import HttpResponse, JsonResponse
from django.views import View
from shop.models import Product
from asgiref.sync import sync_to_async


class ProductView(View):
    async def get(self, request, pk):
        product = await Product.objects.aget(pk=pk)
        return JsonResponse({"name": product.name})

    async def post(self, request, *args, **kwargs):
        return await sync_to_async(self._post_sync)(request, *args, **kwargs)

    def _post_sync(self, request, pk):
        Product.objects.filter(pk=pk).update(available=False)
        return HttpResponse(status=204)
""",
        ),
        Example(
            """\
from django.http import JsonResponse
from django.views.generic import FormView


class ContactView(FormView):
    async def get(self, request):
        return JsonResponse({"form": "contact"})
""",
            MIXED,
            expected=(
                Expected(
                    "5:7-5:18",
                    "`ContactView` has async handlers (get) and sync ones (post, put) (inherited from Django's FormView): `as_view()` raises `ImproperlyConfigured: ContactView HTTP handlers must either be all sync or all async.` when the URLconf is imported; Django's FormView has no async version: write the view on `View` with async handlers",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponse, JsonResponse
from django.views import View
from shop.models import Product


class ProductView(View):
    async def get(self, request, pk):
        product = await Product.objects.aget(pk=pk)
        return JsonResponse({"name": product.name})

    async def post(self, request, pk):
        await Product.objects.filter(pk=pk).aupdate(available=False)
        return HttpResponse(status=204)
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        handlers = view_handlers(self.ctx, node)
        if not handlers or len({is_async for is_async, _ in handlers.values()}) < 2:
            return
        name = node.name.value
        async_names = [h for h, (is_async, _) in handlers.items() if is_async]
        sync_names = [h for h, (is_async, _) in handlers.items() if not is_async]
        inherited = sorted(
            {owner for h, (_, owner) in handlers.items() if h in sync_names and "." not in owner}
        )
        where = f" (inherited from Django's {', '.join(inherited)})" if inherited else ""
        advice = (
            f"Django's {', '.join(inherited)} has no async version: write the view on `View` with async handlers"
            if inherited
            else "make every handler `async def`, or all sync"
        )
        self.report(
            node.name,
            f"`{name}` has async handlers ({', '.join(async_names)}) and sync ones ({', '.join(sync_names)}){where}: "
            f"`as_view()` raises `ImproperlyConfigured: {name} HTTP handlers must either be all sync or all "
            f"async.` when the URLconf is imported; {advice}",
            fix=None if inherited else handlers_fix(self.ctx, node, sync_names),
        )
