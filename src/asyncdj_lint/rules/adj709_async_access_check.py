"""ADJ709: `async def has_permission` / `test_func` on a sync access mixin: the check always passes."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.rules._auth_mixins import checked_hooks
from asyncdj_lint.rules._request_path import module_class
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity


class AsyncAccessCheck(Rule):
    code = "ADJ709"
    name = "async-access-check"
    stable_since = "0.2.0"
    severity = Severity.ERROR
    summary = "`async def has_permission` or `async def test_func` on Django's sync access mixins: every request passes."
    why = (
        "`PermissionRequiredMixin.dispatch()` runs `if not self.has_permission():` and "
        "`UserPassesTestMixin.dispatch()` runs `if not self.get_test_func()():`, both sync, "
        "in every release through 6.1. An `async def` override returns a coroutine, which "
        "is always true: the check never runs and every request is let through (Python "
        "only prints `RuntimeWarning: coroutine ... was never awaited`). This is an access "
        "control hole. Keep the hook sync, or drop the mixin and check inside an async "
        "handler (`user = await request.auser()`, `await user.ahas_perm(...)`)."
    )
    django_versions = "4.1 to 6.1"
    requires_text = (b"Mixin",)
    also_requires_text = (b"async",)
    invalid = (
        Example(
            """\
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponse
from django.views import View


class Inventory(PermissionRequiredMixin, View):
    permission_required = "shop.delete_product"
    raise_exception = True

    async def has_permission(self):
        user = await self.request.auser()
        return await user.ahas_perm(self.permission_required)

    async def get(self, request):
        return HttpResponse("granted")
""",
            Outcome(
                warning="RuntimeWarning",
                warning_message="coroutine 'Inventory.has_permission' was never awaited",
            ),
            expected=(
                Expected(
                    "10:15-10:29",
                    "`async def has_permission` returns a coroutine, and Django's sync `dispatch()` tests it for truth without awaiting it: a coroutine is always true, so every request passes the check; make `has_permission` sync, or check access inside an async handler",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.contrib.auth.mixins import UserPassesTestMixin
from django.http import HttpResponse
from django.views import View


class Inventory(UserPassesTestMixin, View):
    def test_func(self):
        return self.request.user.is_active

    def get(self, request):
        return HttpResponse("granted")
"""
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        found = module_class(self.ctx, node)
        if found is None:
            return
        hooks: frozenset[str] | None = None
        for statement in node.body.body:
            if not isinstance(statement, cst.FunctionDef) or statement.asynchronous is None:
                continue
            if hooks is None:
                hooks = checked_hooks(self.ctx, found[0])
            if statement.name.value in hooks:
                self.report(
                    statement.name,
                    f"`async def {statement.name.value}` returns a coroutine, and Django's sync `dispatch()` tests "
                    "it for truth without awaiting it: a coroutine is always true, so every request passes the "
                    f"check; make `{statement.name.value}` sync, or check access inside an async handler",
                )
