"""ADJ503: Django's sync auth API (login, logout, permission checks, create_user...) called on the event loop."""

from __future__ import annotations

from typing import TypeGuard

import libcst as cst

from asyncdj_lint.analysis.calls import callee_name
from asyncdj_lint.analysis.requests import USER_MODEL_CLASSES, is_request_attribute, is_user
from asyncdj_lint.analysis.scopes import ValueBinding
from asyncdj_lint.analysis.values import Manager
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import AddImport, Fix, FixAvailability, Replace, Safety
from asyncdj_lint.rules._fixes import (
    await_function_twin,
    await_twin,
    bridge_fix,
    can_await,
    importable,
    needs_parentheses,
)
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity
from asyncdj_lint.syntax.names import called_name

# A permission check on a name bound to the lazy request.user, fixed for 5.2+ and for 4.2.
_REPORTS = """\
from django.http import HttpResponse


async def reports(request):
    user = request.user
    if not user.has_perm("shop.view_order"):
        return HttpResponse("ask for access")
    return HttpResponse("reports")
"""


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
        "another thread. A permission check on the lazy `request.user` (directly, or through a name "
        "bound to it) must load the user first, or reading `has_perm` on the loop loads it there: "
        "with 5.2+ `user = request.user` becomes `user = await request.auser()` and the check "
        "`await user.ahas_perm(p)`, and `request.user.has_perm(p)` becomes `await (await "
        "request.auser()).ahas_perm(p)` (safe: `auser()` loads the same user, in a thread, and caches "
        "it on the request). Before 5.2, where the name has other bindings, or in a function that logs "
        "a user in or out or assigns `.user` (the user `auser()` cached would be the one before), the "
        "check runs in a thread with the user's loading, `await sync_to_async(lambda: "
        "user.has_perm(p))()` (unsafe). "
        "There is no fix for an imported alias, nor outside an `async def` body, nor for a check "
        "whose arguments hold `await`, `yield` or `:=`, which a lambda cannot take."
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
            _REPORTS,
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "6:12-6:44",
                    "`user.has_perm()` queries the user's permissions on the event loop and raises SynchronousOnlyOperation; use `user = await request.auser()`, then `await user.ahas_perm(...)`",
                ),
            ),
            fixed="""\
from django.http import HttpResponse


async def reports(request):
    user = await request.auser()
    if not await user.ahas_perm("shop.view_order"):
        return HttpResponse("ask for access")
    return HttpResponse("reports")
""",
        ),
        Example(
            _REPORTS,
            RAISES_SYNC_ONLY,
            files=(("requirements.txt", "Django>=4.2,<5.0\n"),),
            expected=(
                Expected(
                    "6:12-6:44",
                    "`user.has_perm()` queries the user's permissions on the event loop and raises SynchronousOnlyOperation; use `await sync_to_async(lambda: user.has_perm(...))()` (the target, Django 4.2, predates the async variant of 5.2)",
                ),
            ),
            fixed="""\
from django.http import HttpResponse
from asgiref.sync import sync_to_async


async def reports(request):
    user = request.user
    if not await sync_to_async(lambda: user.has_perm("shop.view_order"))():
        return HttpResponse("ask for access")
    return HttpResponse("reports")
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
        has_twin = api.has(self.ctx.options, api.PERMISSION_METHODS_SINCE)
        if is_request_attribute(self.ctx, func.value, "user"):
            # Even `user.has_perm` as an attribute loads the lazy request.user: keep it in the thread.
            native = f"use `user = await request.auser()`, then `await user.{async_method}(...)`"
            bridged = f"use `await sync_to_async(lambda: {user}.{method}(...))()`"
            fix = (self._load_then_await_fix(node, func, async_method) if has_twin else None) or (
                self._thread_fix(node)
            )
        elif has_twin:
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

    def _load_then_await_fix(self, call: cst.Call, func: cst.Attribute, twin: str) -> Fix | None:
        """`user = request.user` ... `user.has_perm(p)` -> `user = await request.auser()` ...
        `await user.ahas_perm(p)`; `request.user.has_perm(p)` -> `await (await
        request.auser()).ahas_perm(p)` (5.2+): the same user, loaded and checked in a thread."""
        awaited = await_twin(self.ctx, call, twin)
        function = self.ctx.scope.function_node
        if awaited is None or function is None:
            return None
        # `auser()` caches the user it loads: after a login or logout in the function it would be
        # the earlier user, where the lazy `request.user` loads the user of that moment.
        changes = _ChangesUser()
        function.visit(changes)
        if changes.found:
            return None
        receiver = func.value
        if isinstance(receiver, cst.Attribute):  # request.user itself
            load = f"(await {self.ctx.module.code_for_node(receiver.value)}.auser())"
            edits = (Replace(receiver, load), *awaited.edits)
            return Fix("Load the user with `await request.auser()`", Safety.SAFE, edits)
        binding = self._request_user_binding(receiver)
        if binding is None:
            return None
        request = self.ctx.module.code_for_node(binding.value)
        edits = (Replace(binding, f"await {request}.auser()"), *awaited.edits)
        return Fix("Load the user with `await request.auser()`", Safety.SAFE, edits)

    def _request_user_binding(self, name: cst.BaseExpression) -> cst.Attribute | None:
        """The `request.user` of `name = request.user`, the only binding of `name`, a statement
        of the same `async def` (not in a lambda, comprehension or nested function)."""
        found = self.ctx.scope.lookup(name.value) if isinstance(name, cst.Name) else None
        function = self.ctx.scope.function
        if found is None or function is None or found[0] is not function or len(found[1]) != 1:
            return None
        binding = found[1][0]
        value = binding.node if isinstance(binding, ValueBinding) else None
        if not (isinstance(value, cst.Attribute) and value.attr.value == "user" and not value.lpar):
            return None
        statements = _PlainAssignments(value)
        function.node.visit(statements)
        return value if statements.found else None

    def _thread_fix(self, call: cst.Call) -> Fix | None:
        """`user.has_perm(p)` -> `await sync_to_async(lambda: user.has_perm(p))()`: the lazy
        `request.user` loads in the thread too (unsafe)."""
        if not (can_await(self.ctx) and importable(self.ctx, "asgiref.sync", "sync_to_async")):
            return None
        inside = _LambdaUnsafe()
        call.visit(inside)
        if inside.found:
            return None
        text = f"await sync_to_async(lambda: {self.ctx.module.code_for_node(call)})()"
        if needs_parentheses(call, self.ctx.parent()):
            text = f"({text})"
        edits = (Replace(call, text), AddImport("asgiref.sync", "sync_to_async"))
        return Fix("Load the user and check the permission in a thread", Safety.UNSAFE, edits)


class _PlainAssignments(cst.CSTVisitor):
    """Whether `value` is the value of a plain `name = value` statement (not `a = b = value`, an
    annotated assignment or `:=`, which may sit in a comprehension)."""

    def __init__(self, value: cst.BaseExpression) -> None:
        self.value = value
        self.found = False

    def visit_Assign(self, node: cst.Assign) -> None:
        if (
            node.value is self.value
            and len(node.targets) == 1
            and isinstance(node.targets[0].target, cst.Name)
        ):
            self.found = True


class _LambdaUnsafe(cst.CSTVisitor):
    """Whether an expression holds what a lambda cannot (`await`, `yield`) or would bind in a scope
    of its own (`:=`)."""

    def __init__(self) -> None:
        self.found = False

    def visit_Await(self, node: cst.Await) -> None:
        self.found = True

    def visit_Yield(self, node: cst.Yield) -> None:
        self.found = True

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.found = True


class _ChangesUser(cst.CSTVisitor):
    """Whether code logs a user in or out, or assigns `.user`."""

    def __init__(self) -> None:
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        if called_name(node) in api.USER_CHANGING_FUNCTIONS:
            self.found = True

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if isinstance(target, cst.Attribute) and target.attr.value == "user":
            self.found = True
