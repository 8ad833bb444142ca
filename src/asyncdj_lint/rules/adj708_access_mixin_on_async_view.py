"""ADJ708: LoginRequiredMixin, PermissionRequiredMixin or UserPassesTestMixin on a view with async handlers."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.rules._auth_mixins import access_mixins, checked_hooks
from asyncdj_lint.rules._request_path import module_class, request_path, view_handlers
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class AccessMixinOnAsyncView(Rule):
    code = "ADJ708"
    name = "access-mixin-on-async-view"
    stable_since = "0.2.0"
    severity = Severity.ERROR
    summary = "`LoginRequiredMixin`, `PermissionRequiredMixin` or `UserPassesTestMixin` on a view with async handlers."
    why = (
        "Django's access mixins check in `dispatch()`, which is sync in every release "
        "through 6.1, and Django calls it on the event loop for a view whose handlers are "
        "`async def`. The check reads `request.user` (and `has_perms()` queries the "
        "permissions): for a user logged in with a database session that raises "
        "`SynchronousOnlyOperation`. When the check fails, the redirect or 403 response the "
        "mixin returns is a plain response where Django awaits the handler's coroutine: "
        "`TypeError: object HttpResponseRedirect can't be used in 'await' expression`. "
        "Check access inside the async handler (`user = await request.auser()`, "
        "`await user.ahas_perm(...)`), or keep the view's handlers sync."
    )
    django_versions = "4.1 to 6.1"
    requires_text = (b"Mixin",)
    invalid = (
        Example(
            """\
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.views import View
from shop.models import Product


class ProductCount(LoginRequiredMixin, View):
    async def get(self, request):
        return JsonResponse({"count": await Product.objects.acount()})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:7-7:19",
                    "`LoginRequiredMixin` checks access in a sync `dispatch()`, which Django runs on the event loop for `ProductCount`'s async handlers: reading `request.user` there raises SynchronousOnlyOperation, and a refused request's response is awaited (TypeError); check access in the handler with `user = await request.auser()`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.views import View
from shop.models import Product


class ProductCount(View):
    async def get(self, request):
        user = await request.auser()
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return JsonResponse({"count": await Product.objects.acount()})
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        handlers = view_handlers(self.ctx, node)
        if not handlers or not all(is_async for is_async, _ in handlers.values()):
            return
        found = module_class(self.ctx, node)
        if found is None:
            return
        qualname = found[0]
        mixins = access_mixins(self.ctx, qualname)
        if not mixins or self._overrides(qualname, {"dispatch", *checked_hooks(self.ctx, qualname)}):
            return
        check = api.advise(
            self.ctx.options,
            api.AUSER_SINCE,
            "`user = await request.auser()`",
            "`user = await sync_to_async(lambda: request.user)()`",
        )
        self.report(
            node.name,
            f"`{mixins[0]}` checks access in a sync `dispatch()`, which Django runs on the event loop for "
            f"`{node.name.value}`'s async handlers: reading `request.user` there raises SynchronousOnlyOperation, "
            f"and a refused request's response is awaited (TypeError); check access in the handler with {check}",
        )

    def _overrides(self, qualname: str, methods: set[str]) -> bool:
        """Whether a project class of the view defines one of these methods itself (async hooks: ADJ709)."""
        index = request_path(self.ctx)
        for name, cls in index.ancestors(qualname):
            summary = index.class_summary(name) if cls is not None else None
            if summary is not None and any(summary.method(m) for m in methods):
                return True
        return False
