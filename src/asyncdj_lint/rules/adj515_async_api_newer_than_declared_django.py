"""ADJ515: an async Django API newer than the lowest Django version the project declares."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import libcst as cst

from asyncdj_lint.analysis.requests import USER_MODEL_CLASSES, is_request, is_request_attribute, is_user
from asyncdj_lint.analysis.values import Instance, Manager, Symbol
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.facts.django_version import Version, format_version
from asyncdj_lint.index import django_builtins
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity
from asyncdj_lint.syntax.names import dotted_name


@dataclass(frozen=True)
class _Api:
    since: Version
    instead: str  # what to write on older versions


def _module_apis() -> dict[str, _Api]:
    """Module-level names by qualified name: importing them fails before `since`."""
    found = {
        f"django.shortcuts.{twin}": _Api(
            api.SHORTCUTS_SINCE, f"`await sync_to_async({name.rsplit('.', 1)[1]})(...)`"
        )
        for name, twin in api.SHORTCUTS.items()
    }
    found |= {
        f"{api.AUTH_MODULE}.{twin}": _Api(api.AUTH_FUNCTIONS_SINCE, f"`await sync_to_async({name})(...)`")
        for name, twin in api.AUTH_FUNCTIONS.items()
    }
    found["django.contrib.auth.hashers.acheck_password"] = _Api(
        ACHECK_PASSWORD_SINCE, "`await sync_to_async(check_password)(...)`"
    )
    paginator = "`Paginator`, with the page built and its objects listed inside `sync_to_async`"
    for name in ("AsyncPaginator", "AsyncPage"):
        found[f"django.core.paginator.{name}"] = _Api(api.ASYNC_PAGINATOR_SINCE, paginator)
    return found


# `user.acheck_password()` and `django.contrib.auth.hashers.acheck_password()`.
ACHECK_PASSWORD_SINCE: Version = (5, 0)
_MODULE_APIS = _module_apis()
# What such an API is named where it is defined: `owner.attr` can be one only when `attr` is one
# of these (inferring every attribute of a file would cost more than the rest of the rule).
_MODULE_API_NAMES = frozenset(name.rpartition(".")[2] for name in _MODULE_APIS)
# `request.session.aset(key, value)` is `request.session[key] = value` before 5.1.
_SESSION_TWINS = {twin: name for name, twin in api.SESSION_METHODS.items()} | {"aset": "__setitem__"}
_PERMISSION_TWINS = {twin: name for name, twin in api.PERMISSION_METHODS.items()}
_USER_MANAGER_TWINS = {twin: name for name, twin in api.USER_MANAGER_METHODS.items()}
# Every method _method() knows: any other attribute is not rendered or inferred.
_METHOD_NAMES = frozenset(
    {"auser", "acheck_password", *_SESSION_TWINS, *_PERMISSION_TWINS, *_USER_MANAGER_TWINS}
)
# Calls that only mention an API to test for it: what they guard may use it.
_GUARD_WORDS = ("VERSION", "hasattr", "getattr")

# Each invalid example declares a range of releases that all lack the API: the runtime tests serve
# it under the installed Django only when the range admits it (4.2 in CI's step for these, 5.2).
_BEFORE_5_0 = (("requirements.txt", "Django>=4.2,<5.0\n"),)
_BEFORE_5_1 = (("requirements.txt", "Django>=4.2,<5.1\n"),)
_BEFORE_5_2 = (("requirements.txt", "Django>=4.2,<5.2\n"),)
_BEFORE_6_0 = (("requirements.txt", "Django>=5.2,<6.0\n"),)
_FROM_4_2 = (("requirements.txt", "Django>=4.2\n"),)
_FROM_5_1 = (("requirements.txt", "Django>=5.1\n"),)


class AsyncApiNewerThanDeclaredDjango(Rule):
    code = "ADJ515"
    name = "async-api-newer-than-declared-django"
    stable_since = "0.2.0"
    severity = Severity.ERROR
    # Importing one fails wherever it is, also in a module with no async code (a compat shim).
    requires_text = (b"async", *sorted(name.encode() for name in _MODULE_API_NAMES))
    summary = "An async Django API is used that is newer than the lowest Django version the project declares."
    why = (
        "Django gained its async APIs release by release: `request.auser()`, `aget_object_or_404()`, "
        "`aget_list_or_404()`, `alogin()`, `alogout()`, `aauthenticate()`, `aget_user()`, "
        "`aupdate_session_auth_hash()` and `acheck_password()` in 5.0; the session's `aget()`, "
        "`aset()`, `apop()`, `aitems()`, `aflush()`, `acycle_key()` and the other `a`-methods in 5.1; "
        "`user.ahas_perm()`, `ahas_perms()`, `ahas_module_perms()`, the `aget_*_permissions()` "
        "methods, `User.objects.acreate_user()`, `acreate_superuser()` and `aget_by_natural_key()` "
        "in 5.2; `AsyncPaginator` and `AsyncPage` in 6.0. A project that declares an older Django "
        "(`Django>=4.2` in its requirements) must run there, and there the name does not exist: "
        "importing it raises `ImportError`, calling the method `AttributeError`, on the first "
        "request that reaches it. Until the project raises its lowest version, run the sync API in "
        "a thread with `sync_to_async`."
    )
    needs = (
        "The lowest Django version the project declares: the lowest release its requirement admits "
        "in `pyproject.toml`, `requirements*.txt`, `setup.cfg`, `setup.py`, `Pipfile` or a lock file "
        "(`uv.lock`, `poetry.lock`), or `target-django` in `[tool.asyncdj-lint]`, an explicit "
        "declaration by the user, as ruff reads its own `target-version`. With no declaration "
        "(the version is then the newest LTS, a guess) or a version given only as "
        "`--target-django` on the command line (a question about another version, not a promise "
        "the code makes), the rule is silent. Code that tests for the API first "
        '(`if django.VERSION >= (5, 0):`, `hasattr(request, "auser")`, an import in `try`) is not '
        "reported."
    )
    django_versions = "4.2 to 5.2"
    invalid = (
        Example(
            """\
from django.http import HttpResponse


async def whoami(request):
    user = await request.auser()
    return HttpResponse(user.get_username())
""",
            Outcome(
                exception="builtins.AttributeError",
                message="'ASGIRequest' object has no attribute 'auser'",
            ),
            files=_BEFORE_5_0,
            expected=(
                Expected(
                    "5:18-5:31",
                    "`request.auser()` is new in Django 5.0; on Django 4.2, the lowest version the project declares, it raises AttributeError: 'ASGIRequest' object has no attribute 'auser'; use `user = await sync_to_async(get_user)(request)` (`from django.contrib.auth import get_user`)",
                ),
            ),
        ),
        Example(
            """\
from django.http import HttpResponse
from django.shortcuts import aget_object_or_404
from shop.models import Product


async def product_detail(request, pk):
    product = await aget_object_or_404(Product, pk=pk)
    return HttpResponse(product.name)
""",
            Outcome(
                exception="builtins.ImportError",
                message="cannot import name 'aget_object_or_404' from 'django.shortcuts'",
            ),
            files=_BEFORE_5_0,
            expected=(
                Expected(
                    "2:30-2:48",
                    "`aget_object_or_404` is new in Django 5.0; on Django 4.2, the lowest version the project declares, importing it raises ImportError: cannot import name 'aget_object_or_404' from 'django.shortcuts'; use `await sync_to_async(get_object_or_404)(...)`",
                ),
            ),
        ),
        Example(
            """\
from django.contrib import auth
from django.http import HttpResponse


async def sign_out(request):
    await auth.alogout(request)
    return HttpResponse("bye")
""",
            Outcome(
                exception="builtins.AttributeError",
                message="module 'django.contrib.auth' has no attribute 'alogout'",
            ),
            files=_BEFORE_5_0,
            expected=(
                Expected(
                    "6:11-6:23",
                    "`auth.alogout` is new in Django 5.0; on Django 4.2, the lowest version the project declares, it raises AttributeError: module 'django.contrib.auth' has no attribute 'alogout'; use `await sync_to_async(logout)(...)`",
                ),
            ),
        ),
        Example(
            """\
from django.http import HttpResponse


async def remember(request):
    await request.session.aset("seen", True)
    return HttpResponse("noted")
""",
            Outcome(
                exception="builtins.AttributeError",
                message="'SessionStore' object has no attribute 'aset'",
            ),
            files=_BEFORE_5_1,
            expected=(
                Expected(
                    "5:11-5:31",
                    "`request.session.aset()` is new in Django 5.1; on Django 4.2, the lowest version the project declares, it raises AttributeError: 'SessionStore' object has no attribute 'aset'; use `await sync_to_async(request.session.__setitem__)(...)`",
                ),
            ),
        ),
        Example(
            """\
from django.contrib.auth.models import User
from django.http import HttpResponse


async def price_list(request):
    user = await User.objects.aget(username="ada")
    allowed = await user.ahas_perm("shop.view_product")
    return HttpResponse("prices" if allowed else "ask for access")
""",
            Outcome(
                exception="builtins.AttributeError", message="'User' object has no attribute 'ahas_perm'"
            ),
            files=_BEFORE_5_2,
            expected=(
                Expected(
                    "7:21-7:35",
                    "`user.ahas_perm()` is new in Django 5.2; on Django 4.2, the lowest version the project declares, it raises AttributeError: 'User' object has no attribute 'ahas_perm'; use `await sync_to_async(user.has_perm)(...)`",
                ),
            ),
        ),
        Example(
            """\
from django.core.paginator import AsyncPaginator
from django.http import HttpResponse
from shop.models import Product


async def product_page(request):
    page = await AsyncPaginator(Product.objects.order_by("name"), 2).aget_page(1)
    return HttpResponse(", ".join([product.name async for product in page]))
""",
            Outcome(
                exception="builtins.ImportError",
                message="cannot import name 'AsyncPaginator' from 'django.core.paginator'",
            ),
            files=_BEFORE_6_0,
            expected=(
                Expected(
                    "1:35-1:49",
                    "`AsyncPaginator` is new in Django 6.0; on Django 5.2, the lowest version the project declares, importing it raises ImportError: cannot import name 'AsyncPaginator' from 'django.core.paginator'; use `Paginator`, with the page built and its objects listed inside `sync_to_async`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from shop.models import Product


async def product_detail(request, pk):
    user = await sync_to_async(get_user)(request)
    product = await sync_to_async(get_object_or_404)(Product, pk=pk)
    await sync_to_async(request.session.__setitem__)("seen", product.pk)
    allowed = await sync_to_async(user.has_perm)("shop.view_product")
    return HttpResponse(product.name if allowed else "ask for access")
""",
            files=_FROM_4_2,
        ),
        Example(
            """\
from django.http import HttpResponse


async def remember(request):
    user = await request.auser()
    await request.session.aset("seen", user.get_username())
    return HttpResponse("noted")
""",
            files=_FROM_5_1,
        ),
        Example(
            """\
import django
from django.http import HttpResponse


async def whoami(request):
    if django.VERSION >= (5, 0):
        user = await request.auser()
    else:
        from asgiref.sync import sync_to_async
        from django.contrib.auth import get_user

        user = await sync_to_async(get_user)(request)
    return HttpResponse(user.get_username())
""",
            files=_FROM_4_2,
        ),
    )

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if (
            not self._declared()
            or node.relative
            or node.module is None
            or isinstance(node.names, cst.ImportStar)
        ):
            return
        module = dotted_name(node.module)
        for alias in node.names:
            name = dotted_name(alias.name)
            found = _MODULE_APIS.get(f"{module}.{name}")
            if found is not None and self._older(found.since) and not self._guarded():
                self._report(
                    alias.name,
                    f"`{name}`",
                    found,
                    f"importing it raises ImportError: cannot import name '{name}' from '{module}'",
                )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self._declared():
            return
        member = node.attr.value
        found = self._module_attribute(node) or self._method(node, member)
        if found is None or not self._older(found[1].since) or self._guarded():
            return
        what, detail = found[0], found[2]
        self._report(node, what, found[1], f"it raises AttributeError: {detail}")

    def _module_attribute(self, node: cst.Attribute) -> tuple[str, _Api, str] | None:
        """`auth.alogin` after `from django.contrib import auth`."""
        if node.attr.value not in _MODULE_API_NAMES:
            return None
        value = self.ctx.infer(node)
        owner = self.ctx.infer(node.value)
        if not (isinstance(value, Symbol) and isinstance(owner, Symbol)):
            return None
        found = _MODULE_APIS.get(value.qualname)
        if found is None or value.qualname.rpartition(".")[0] != owner.qualname:
            return None
        detail = f"module '{owner.qualname}' has no attribute '{node.attr.value}'"
        return f"`{self.ctx.snippet(node)}`", found, detail

    def _method(self, node: cst.Attribute, member: str) -> tuple[str, _Api, str] | None:
        if member not in _METHOD_NAMES:
            return None
        receiver = self.ctx.snippet(node.value)
        what = f"`{receiver}.{member}()`"
        missing = f"object has no attribute '{member}'"
        if member == "auser" and is_request(self.ctx, node.value):
            instead = f"`user = await sync_to_async(get_user)({receiver})` (`from django.contrib.auth import get_user`)"
            return what, _Api(api.AUSER_SINCE, instead), f"'ASGIRequest' {missing}"
        if member in _SESSION_TWINS and is_request_attribute(self.ctx, node.value, "session"):
            instead = f"`await sync_to_async({receiver}.{_SESSION_TWINS[member]})(...)`"
            return what, _Api(api.SESSION_METHODS_SINCE, instead), f"'SessionStore' {missing}"
        if member in _PERMISSION_TWINS and is_user(self.ctx, node.value):
            sync = _PERMISSION_TWINS[member]
            if is_request_attribute(self.ctx, node.value, "user"):
                instead = f"`await sync_to_async(lambda: {receiver}.{sync}(...))()`"
            else:
                instead = f"`await sync_to_async({receiver}.{sync})(...)`"
            return (
                what,
                _Api(api.PERMISSION_METHODS_SINCE, instead),
                f"{self._class_of(node.value)} {missing}",
            )
        if member == "acheck_password" and is_user(self.ctx, node.value):
            instead = f"`await sync_to_async({receiver}.check_password)(...)`"
            return what, _Api(ACHECK_PASSWORD_SINCE, instead), f"{self._class_of(node.value)} {missing}"
        if member in _USER_MANAGER_TWINS and self._is_user_manager(node.value):
            instead = f"`await sync_to_async({receiver}.{_USER_MANAGER_TWINS[member]})(...)`"
            return (
                what,
                _Api(api.USER_MANAGER_METHODS_SINCE, instead),
                f"{self._class_of(node.value)} {missing}",
            )
        return None

    def _class_of(self, expr: cst.BaseExpression) -> str:
        """`'User'` for an instance of a known model, `'UserManager'` for auth's User manager, else `the`."""
        value = self.ctx.infer(expr)
        if isinstance(value, Instance):
            return f"'{value.model.qualname.rpartition('.')[2]}'"
        if isinstance(value, Manager) and value.model.qualname == django_builtins.USER_MODEL:
            return "'UserManager'"
        return "the"

    def _is_user_manager(self, expr: cst.BaseExpression) -> bool:
        manager = self.ctx.infer(expr)
        return isinstance(manager, Manager) and self.ctx.index.derives_from(
            manager.model.qualname, USER_MODEL_CLASSES
        )

    def _declared(self) -> bool:
        return self.ctx.options.django_declared and self.ctx.options.target_django is not None

    def _older(self, since: Version) -> bool:
        return not api.has(self.ctx.options, since)

    def _guarded(self) -> bool:
        """Inside `try:` (an import that may fail is expected to) or under a test of the
        Django version or of the attribute (`if django.VERSION >= (5, 0):`, `hasattr(...)`)."""
        ancestors = self.ctx.ancestors
        for ancestor, child in itertools.pairwise(ancestors):
            if isinstance(ancestor, cst.Try) and ancestor.handlers and child is ancestor.body:
                return True
            if isinstance(ancestor, (cst.If, cst.IfExp, cst.While)):
                test = self.ctx.module.code_for_node(ancestor.test)
                if any(word in test for word in _GUARD_WORDS):
                    return True
        return False

    def _report(self, node: cst.CSTNode, what: str, found: _Api, failure: str) -> None:
        target = format_version(api.target_version(self.ctx.options))
        self.report(
            node,
            f"{what} is new in Django {format_version(found.since)}; on Django {target}, the lowest "
            f"version the project declares, {failure}; use {found.instead}",
        )
