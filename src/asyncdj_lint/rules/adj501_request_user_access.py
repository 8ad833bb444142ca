"""ADJ501: an attribute of the lazy `request.user` read on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.requests import is_request_attribute, user_loaded_before
from asyncdj_lint.analysis.scopes import Scope
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import AddImport, Fix, FixAvailability, InsertBefore, NodeEdit, Replace, Safety
from asyncdj_lint.rules._fixes import importable, indent_of
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity
from asyncdj_lint.syntax.names import called_name, names_in


class RequestUserAccess(Rule):
    code = "ADJ501"
    name = "request-user-access"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "An attribute of `request.user` is read in async code."
    why = (
        "`AuthenticationMiddleware` sets `request.user` to a lazy object: the first "
        "attribute read loads the session and the user from the database. On the event "
        "loop that raises `SynchronousOnlyOperation` for every logged-in user (anonymous "
        "requests without a session cookie pass, so tests often miss it). Since Django 5.0, "
        "`await request.auser()` loads the user in a thread; before, read it inside "
        "`sync_to_async`. The request is the first parameter of an `async def` called "
        "`request` (after `self` in methods), or one annotated `HttpRequest`/`ASGIRequest`. "
        "The first read in a function loads the user for the rest of it: only that one is reported, "
        "and none after a read in a lambda run by `sync_to_async`, which loaded it in the thread. "
        "Frameworks that authenticate in a thread before the handler leave a loaded user: methods of "
        "adrf and DRF views (`APIView`, `ViewSet`, generic views) and `@api_view` functions, and "
        "django-ninja operations whose auth (on the operation, else on its `Router` or `NinjaAPI`) "
        "starts with session auth (`django_auth`); there `request.user` is not reported. Ninja's "
        "other auth (API keys, async auth) does not load it, so it is reported. Channels consumers "
        'read `scope["user"]`, which `AuthMiddlewareStack` resolves before they run.'
    )
    django_versions = "4.1 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "With Django 5.0 or later, `user = await request.auser()` is inserted before the statement "
        "of the function's body that holds the first read, and every `request.user` from there to "
        "the end of the function becomes `user`. The fix is safe: `auser()` loads the same user, in "
        "a thread, and `request.user`, loaded apart from it, is no longer read on the loop. The user "
        "is then loaded before that statement runs, including in the branches of it that did not "
        "read it. Before Django 5.0 the inserted line is `user = await sync_to_async(get_user)(request)` "
        "(`django.contrib.auth.get_user`, what `AuthenticationMiddleware`'s lazy `request.user` "
        "calls), with its imports added, unless the module binds `get_user` or `sync_to_async` to something else. "
        "There is no fix where a name `user` is already used in the function, where `request.user` "
        "is assigned, or where the function logs a user in or out."
    )
    invalid = (
        Example(
            """\
from django.http import HttpResponse


async def profile(request):
    return HttpResponse(request.user.username)
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "5:25-5:46",
                    "`request.user.username` loads the user from the session on the event loop and raises SynchronousOnlyOperation for a logged-in user; use `user = await request.auser()`, then `user.username`",
                ),
            ),
            fixed="""\
from django.http import HttpResponse


async def profile(request):
    user = await request.auser()
    return HttpResponse(user.username)
""",
        ),
        Example(
            """\
from django.http import HttpResponse, HttpResponseRedirect


async def dashboard(request):
    # Anonymous readers sign in first.
    if not request.user.is_authenticated:
        return HttpResponseRedirect("/login/")
    return HttpResponse(f"{request.user.username}: {request.user.email}")
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "6:12-6:41",
                    "`request.user.is_authenticated` loads the user from the session on the event loop and raises SynchronousOnlyOperation for a logged-in user; use `user = await request.auser()`, then `user.is_authenticated`",
                ),
            ),
            fixed="""\
from django.http import HttpResponse, HttpResponseRedirect


async def dashboard(request):
    # Anonymous readers sign in first.
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponseRedirect("/login/")
    return HttpResponse(f"{user.username}: {user.email}")
""",
        ),
        Example(
            """\
from django.http import HttpResponse


async def profile(request):
    return HttpResponse(request.user.username)
""",
            RAISES_SYNC_ONLY,
            files=(("requirements.txt", "Django>=4.2,<5.0\n"),),
            expected=(
                Expected(
                    "5:25-5:46",
                    "`request.user.username` loads the user from the session on the event loop and raises SynchronousOnlyOperation for a logged-in user; use `user = await sync_to_async(get_user)(request)` (`from django.contrib.auth import get_user`), then `user.username` (the target, Django 4.2, predates the async variant of 5.0)",
                ),
            ),
            fixed="""\
from django.http import HttpResponse
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user


async def profile(request):
    user = await sync_to_async(get_user)(request)
    return HttpResponse(user.username)
""",
        ),
    )
    valid = (
        Example(
            """\
from django.http import HttpResponse


async def profile(request):
    user = await request.auser()
    return HttpResponse(user.username)
"""
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        # Functions that read an attribute of `request.user`: the first read loads the user
        # for the rest of the function, so later reads are not findings of their own.
        self._loaded: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        scope = self.ctx.scope
        in_thread = scope.off_loop  # a lambda handed to sync_to_async: it loads the user there
        if not (self.ctx.on_loop or in_thread) or not is_request_attribute(self.ctx, node.value, "user"):
            return
        function = _enclosing_def(scope)
        key = id(function.node if function is not None else self.ctx.module)
        first = key not in self._loaded
        self._loaded.add(key)
        if in_thread:
            return
        if node.attr.value in api.PERMISSION_METHODS and self._is_called(node):
            return  # ADJ503 reports permission checks, which query even after auser()
        if not first:
            return
        if user_loaded_before(self.ctx, function) is not None:
            return  # adrf, DRF or ninja's session auth authenticated the request in a thread
        user = self.ctx.snippet(node.value)
        attr = node.attr.value
        # `request` in `request.user.x`; a name bound to `request.user` says nothing about it.
        request = self.ctx.snippet(node.value.value) if isinstance(node.value, cst.Attribute) else "request"
        advice = api.advise(
            self.ctx.options,
            api.AUSER_SINCE,
            f"use `user = await request.auser()`, then `user.{attr}`",
            f"use `user = await sync_to_async(get_user)({request})` "
            f"(`from django.contrib.auth import get_user`), then `user.{attr}`",
        )
        self.report(
            node,
            f"`{user}.{attr}` loads the user from the session on the event loop and raises "
            f"SynchronousOnlyOperation for a logged-in user; {advice}",
            fix=self._fix(node.value, function),
        )

    def _fix(self, read: cst.BaseExpression, function: Scope | None) -> Fix | None:
        """`user = await request.auser()` before the body statement that holds the first read, and
        `user` for each `request.user` from there on (Django 5.0 and later)."""
        if function is None:
            return None
        has_auser = api.has(self.ctx.options, api.AUSER_SINCE)
        if not has_auser and not (
            importable(self.ctx, "django.contrib.auth", "get_user")
            and importable(self.ctx, "asgiref.sync", "sync_to_async")
        ):
            return None
        owner = function.node
        if not (isinstance(owner, cst.FunctionDef) and owner.asynchronous is not None):
            return None
        if not (isinstance(read, cst.Attribute) and isinstance(owner.body, cst.IndentedBlock)):
            return None
        ancestors = self.ctx.ancestors
        if owner not in ancestors or owner.body not in ancestors:
            return None
        at = ancestors.index(owner.body)
        statement = ancestors[at + 1] if at + 1 < len(ancestors) else None
        if not isinstance(statement, cst.BaseStatement):
            return None
        later = owner.body.body[owner.body.body.index(statement) :]
        reads = _UserReads(read.value)
        for node in later:
            node.visit(reads)
        if reads.blocked or _names_user(owner):
            return None
        indent = indent_of(self.ctx, ancestors[: at + 1])
        request = self.ctx.snippet(read.value)
        edits: list[NodeEdit] = [Replace(node, "user") for node in reads.found]
        if has_auser:
            load = f"await {request}.auser()"
            title = "Load the user with `await request.auser()`"
        else:  # what AuthenticationMiddleware's lazy `request.user` calls, run in a thread
            load = f"await sync_to_async(get_user)({request})"
            title = "Load the user with `await sync_to_async(get_user)(request)`"
            edits += [
                AddImport("asgiref.sync", "sync_to_async"),
                AddImport("django.contrib.auth", "get_user"),
            ]
        edits.insert(0, InsertBefore(statement, f"user = {load}\n{indent}"))
        return Fix(title, Safety.SAFE, tuple(edits))

    def _is_called(self, node: cst.Attribute) -> bool:
        parent = self.ctx.parent()
        return isinstance(parent, cst.Call) and parent.func is node


class _UserReads(cst.CSTVisitor):
    """The `request.user` expressions in some statements (nested functions and classes left out),
    and whether one is assigned or a user is logged in or out there."""

    def __init__(self, request: cst.BaseExpression) -> None:
        self.request = request
        self.found: list[cst.Attribute] = []
        self.blocked = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "user" and node.value.deep_equals(self.request):
            self.found.append(node)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._assigned(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._assigned(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._assigned(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._assigned(node.target)

    def _assigned(self, target: cst.BaseExpression) -> None:
        for element in target.elements if isinstance(target, (cst.Tuple, cst.List)) else [target]:
            value = element.value if isinstance(element, cst.BaseElement) else element
            if (
                isinstance(value, cst.Attribute)
                and value.attr.value == "user"
                and value.value.deep_equals(self.request)
            ):
                self.blocked = True

    def visit_Call(self, node: cst.Call) -> None:
        if called_name(node) in api.USER_CHANGING_FUNCTIONS:
            self.blocked = True


def _names_user(function: cst.FunctionDef) -> bool:
    """Whether the name `user` appears in the function: a binding of it would shadow it."""
    return "user" in names_in(function)


def _enclosing_def(scope: Scope) -> Scope | None:
    """The `def` a scope belongs to, past the lambdas and comprehensions written in it."""
    current: Scope | None = scope
    while current is not None and not isinstance(current.node, cst.FunctionDef):
        current = current.parent
    return current
