"""ADJ503: Django's sync auth API (login, logout, permission checks, create_user...) called on the event loop."""

from __future__ import annotations

from typing import TypeGuard

import libcst as cst

from asyncdj_lint.analysis.calls import callee_name
from asyncdj_lint.analysis.requests import USER_MODEL_CLASSES, is_request_attribute, is_user
from asyncdj_lint.analysis.values import Manager
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import Fix, FixAvailability
from asyncdj_lint.rules._fixes import await_function_twin, await_twin, bridge_fix
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class SyncAuthApi(Rule):
    code = "ADJ503"
    name = "sync-auth-api"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "A sync auth function, user permission check or user manager method is called in async code."
    why = (
        "`authenticate()`, `login()`, `logout()`, `get_user()` and "
        "`update_session_auth_hash()` read and write the user and the session store; "
        "`user.has_perm()` and its friends query the user's permissions through "
        "`ModelBackend`. On the event loop they raise `SynchronousOnlyOperation`. "
        "`User.objects.create_user()`, `create_superuser()` and `get_by_natural_key()` "
        "write or query the user table. "
        "Django 5.0 added `aauthenticate`, `alogin`, `alogout`, `aget_user` and "
        "`aupdate_session_auth_hash`; 5.2 added `ahas_perm`, `ahas_perms`, "
        "`ahas_module_perms`, the `aget_*_permissions` methods, `acreate_user`, "
        "`acreate_superuser` and `aget_by_natural_key`."
    )
    django_versions = "4.1 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Where the target Django has the async twin, the call becomes it, awaited: `logout(request)` "
        "becomes `await alogout(request)` (5.0+, the import swapped), `user.has_perm(p)` becomes "
        "`await user.ahas_perm(p)` and `User.objects.create_user(...)` becomes `await "
        "User.objects.acreate_user(...)` (5.2+). The fix is safe: the twin does the same work in a "
        "thread. Before those versions, or for a user manager method the project overrides, the call "
        "is run in a thread, `await sync_to_async(logout)(request)`: unsafe, the work moves to "
        "another thread. There is no fix for a permission check on `request.user`, which must load "
        "the user first (ADJ501's fix), nor for an imported alias, nor outside an `async def` body."
    )
    invalid = (
        Example(
            """\
from django.contrib.auth import logout
from django.http import HttpResponse


async def sign_out(request):
    logout(request)
    return HttpResponse("bye")
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "6:5-6:20",
                    "`logout()` reads and writes the user and the session store on the event loop and raises SynchronousOnlyOperation; use `await alogout(...)`",
                ),
            ),
            fixed="""\
from django.contrib.auth import alogout
from django.http import HttpResponse


async def sign_out(request):
    await alogout(request)
    return HttpResponse("bye")
""",
        ),
        Example(
            """\
from django.http import HttpResponse


async def price_list(request):
    user = await request.auser()
    allowed = user.has_perm("shop.view_product")
    return HttpResponse("prices" if allowed else "ask for access")
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "6:15-6:49",
                    "`user.has_perm()` queries the user's permissions on the event loop and raises SynchronousOnlyOperation; use `await user.ahas_perm(...)`",
                ),
            ),
            fixed="""\
from django.http import HttpResponse


async def price_list(request):
    user = await request.auser()
    allowed = await user.ahas_perm("shop.view_product")
    return HttpResponse("prices" if allowed else "ask for access")
""",
        ),
        Example(
            """\
from django.contrib.auth import get_user_model
from django.http import HttpResponse

User = get_user_model()


async def sign_up(request):
    user = User.objects.create_user("grace", "grace@example.com")
    return HttpResponse(user.username)
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "8:12-8:66",
                    "`User.objects.create_user()` queries the user table on the event loop and raises SynchronousOnlyOperation; use `await User.objects.acreate_user(...)`",
                ),
            ),
            fixed="""\
from django.contrib.auth import get_user_model
from django.http import HttpResponse

User = get_user_model()


async def sign_up(request):
    user = await User.objects.acreate_user("grace", "grace@example.com")
    return HttpResponse(user.username)
""",
        ),
    )
    valid = (
        Example(
            """\
from django.contrib.auth import alogout
from django.http import HttpResponse


async def sign_out(request):
    await alogout(request)
    return HttpResponse("bye")
"""
        ),
        Example(
            """\
from django.http import HttpResponse


async def price_list(request):
    user = await request.auser()
    allowed = await user.ahas_perm("shop.view_product")
    return HttpResponse("prices" if allowed else "ask for access")
"""
        ),
        Example(
            """\
from django.contrib.auth import get_user_model
from django.http import HttpResponse

User = get_user_model()


async def sign_up(request):
    user = await User.objects.acreate_user("grace", "grace@example.com")
    return HttpResponse(user.username)
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop:
            return
        module, _, function = (callee_name(self.ctx, node) or "").rpartition(".")
        if module == api.AUTH_MODULE and function in api.AUTH_FUNCTIONS:
            advice = api.advise(
                self.ctx.options,
                api.AUTH_FUNCTIONS_SINCE,
                f"use `await {api.AUTH_FUNCTIONS[function]}(...)`",
                f"use `await sync_to_async({function})(...)`",
            )
            fix = (
                await_function_twin(self.ctx, node, module, function, api.AUTH_FUNCTIONS[function])
                if api.has(self.ctx.options, api.AUTH_FUNCTIONS_SINCE)
                else bridge_fix(self.ctx, node)
            )
            self.report(
                node,
                f"`{function}()` reads and writes the user and the session store on the event loop and "
                f"raises SynchronousOnlyOperation; {advice}",
                fix=fix,
            )
        elif self._is_permission_check(node.func):
            self._report_permission_check(node, node.func)
        elif self._is_user_manager_call(node.func):
            self._report_user_manager_call(node, node.func)

    def _is_user_manager_call(self, func: cst.BaseExpression) -> TypeGuard[cst.Attribute]:
        """`User.objects.create_user(...)` & co., unless the project's own manager method is
        known to run SQL (ADJ101 reports those)."""
        if not (isinstance(func, cst.Attribute) and func.attr.value in api.USER_MANAGER_METHODS):
            return False
        manager = self.ctx.infer(func.value)
        if not isinstance(manager, Manager):
            return False
        custom = manager.methods.method(func.attr.value)
        return (custom is None or custom.returns != "sql") and self.ctx.index.derives_from(
            manager.model.qualname, USER_MODEL_CLASSES
        )

    def _overridden(self, func: cst.Attribute) -> bool:
        manager = self.ctx.infer(func.value)
        return isinstance(manager, Manager) and manager.methods.method(func.attr.value) is not None

    def _report_user_manager_call(self, node: cst.Call, func: cst.Attribute) -> None:
        method, manager = func.attr.value, self.ctx.snippet(func.value)
        bridged = f"use `await sync_to_async({manager}.{method})(...)`"
        twin = api.USER_MANAGER_METHODS[method]
        overridden = self._overridden(func)
        if overridden:
            advice = bridged  # Django's async twin would bypass the project's own method
        else:
            native = f"use `await {manager}.{twin}(...)`"
            advice = api.advise(self.ctx.options, api.USER_MANAGER_METHODS_SINCE, native, bridged)
        native_fix = not overridden and api.has(self.ctx.options, api.USER_MANAGER_METHODS_SINCE)
        self.report(
            node,
            f"`{manager}.{method}()` queries the user table on the event loop and raises "
            f"SynchronousOnlyOperation; {advice}",
            fix=await_twin(self.ctx, node, twin) if native_fix else bridge_fix(self.ctx, node),
        )

    def _is_permission_check(self, func: cst.BaseExpression) -> TypeGuard[cst.Attribute]:
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in api.PERMISSION_METHODS
            and is_user(self.ctx, func.value)
        )

    def _report_permission_check(self, node: cst.Call, func: cst.Attribute) -> None:
        method, user = func.attr.value, self.ctx.snippet(func.value)
        async_method = api.PERMISSION_METHODS[method]
        native = f"use `await {user}.{async_method}(...)`"
        bridged = f"use `await sync_to_async({user}.{method})(...)`"
        fix: Fix | None = None
        if is_request_attribute(self.ctx, func.value, "user"):
            # Even `user.has_perm` as an attribute loads the lazy request.user: keep it in the thread.
            native = f"use `user = await request.auser()`, then `await user.{async_method}(...)`"
            bridged = f"use `await sync_to_async(lambda: {user}.{method}(...))()`"
        elif api.has(self.ctx.options, api.PERMISSION_METHODS_SINCE):
            fix = await_twin(self.ctx, node, async_method)
        else:
            fix = bridge_fix(self.ctx, node)
        advice = api.advise(self.ctx.options, api.PERMISSION_METHODS_SINCE, native, bridged)
        self.report(
            node,
            f"`{user}.{method}()` queries the user's permissions on the event loop and raises "
            f"SynchronousOnlyOperation; {advice}",
            fix=fix,
        )
