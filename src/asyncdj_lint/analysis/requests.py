"""The HttpRequest an async view or middleware receives, and the user it carries.

Deliberately narrow, since a wrong guess is a false positive: a name is the
request only when it is a parameter of the `async def` the code runs in and
either its annotation resolves to Django's HttpRequest (or ASGIRequest), or,
with no annotation, it is called `request` and is the function's first
parameter (second after `self`), which is Django's calling convention for
views, view methods and middleware, in a module that imports Django. A name re-bound anywhere in the function
is not followed. In an async method of a class-based view (a top-level class
deriving from Django's `View`), `self.request` is the request too.

Some frameworks authenticate the request in a thread before the handler runs,
which loads `request.user` there: DRF's and adrf's `APIView.initial()`
(`await sync_to_async(self.initial)(...)` in adrf) for every method of their
views and for `@api_view` functions, and django-ninja's session auth
(`auth=django_auth`), which reads `request.user.is_authenticated` in
`sync_to_async` (ninja's fix for its issue #1251, in 1.x releases from late
2025; earlier releases ran sync auth on the loop, where the auth itself
raised before the handler ran, so the handler's read was never the first
failure either). Other ninja auth (an API key, async auth) leaves the lazy
user of `AuthenticationMiddleware` untouched. Channels' `AuthMiddlewareStack`
resolves `scope["user"]` before the consumer runs.
"""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import bound_values, callee_name, keyword_argument
from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.scopes import ParamBinding, Scope
from asyncdj_lint.analysis.values import Instance, Request, RequestAttribute, Symbol, Value
from asyncdj_lint.facts.request_path import generic_view
from asyncdj_lint.index import django_builtins

REQUEST_CLASSES = frozenset(
    {
        "django.http.HttpRequest",
        "django.http.request.HttpRequest",
        "django.core.handlers.asgi.ASGIRequest",
    }
)


# Django's user classes whose permission methods query through ModelBackend.
PERMISSION_USER_CLASSES = frozenset(
    {
        django_builtins.USER_MODEL,
        "django.contrib.auth.models.AbstractUser",
        "django.contrib.auth.models.PermissionsMixin",
    }
)


# Models whose default manager is a BaseUserManager (create_user, get_by_natural_key).
USER_MODEL_CLASSES = frozenset(
    {
        *PERMISSION_USER_CLASSES,
        "django.contrib.auth.base_user.AbstractBaseUser",
        "django.contrib.auth.models.AbstractBaseUser",
    }
)


def is_request(ctx: FileContext, expr: cst.BaseExpression, scope: Scope | None = None) -> bool:
    """Whether `expr` is the request parameter of the async function it is used in,
    or `self.request` in an async method of a class-based view."""
    if isinstance(expr, cst.Attribute):
        return expr.attr.value == "request" and _is_view_self(ctx, expr.value, scope or ctx.scope)
    if not isinstance(expr, cst.Name):
        return False
    found = (scope or ctx.scope).lookup(expr.value)
    if found is None:
        return False
    owner, bindings = found
    binding = bindings[0]
    if (
        len(bindings) != 1
        or not isinstance(binding, ParamBinding)
        or not isinstance(owner.node, cst.FunctionDef)
    ):
        return False
    if not owner.is_async_function:
        return isinstance(passed_argument(ctx, owner, binding.node), Request)
    function, param = owner.node, binding.node
    if param.annotation is not None:
        annotation = ctx.inference.infer(param.annotation.annotation, owner)
        return isinstance(annotation, Symbol) and annotation.qualname in REQUEST_CLASSES
    return param.name.value == "request" and _is_first_parameter(function, param) and _imports_django(ctx)


# Packages whose async views receive Django's HttpRequest (or, in DRF and adrf, a wrapper of it);
# asgiref is Django's own: hybrid middleware imports only its `iscoroutinefunction`/`markcoroutinefunction`.
_DJANGO_PACKAGES = ("django", "rest_framework", "adrf", "ninja", "channels", "asgiref")


def _imports_django(ctx: FileContext) -> bool:
    """Whether the module imports Django (or a framework on top of it): an unannotated
    `request` in a Starlette or aiohttp handler is not Django's."""
    summary = ctx.index.modules.get(ctx.module_name)
    targets = summary.imports.values() if summary is not None else ()
    return any(target.split(".", 1)[0] in _DJANGO_PACKAGES for target in targets)


def _is_view_self(ctx: FileContext, expr: cst.BaseExpression, scope: Scope) -> bool:
    """`self` of an async method defined in a top-level class that derives from Django's View."""
    if not isinstance(expr, cst.Name) or expr.value != "self":
        return False
    found = _async_parameter(scope, "self")
    if found is None:
        return False
    owner, function, param = found
    cls = owner.parent
    if (
        cls is None
        or not isinstance(cls.node, cst.ClassDef)
        or cls.parent is None
        or cls.parent.parent is not None
    ):
        return False
    positional = [*function.params.posonly_params, *function.params.params]
    if not positional or positional[0] is not param:
        return False
    # `View.setup()` stores the request as `self.request`.
    bases = ctx.index.functions.outside_bases(f"{ctx.module_name}.{cls.node.name.value}")
    return any(generic_view(base) is not None for base in bases)


def _async_parameter(scope: Scope, name: str) -> tuple[Scope, cst.FunctionDef, cst.Param] | None:
    """The async function whose parameter `name` is, seen from `scope`, unless the name is re-bound."""
    found = scope.lookup(name)
    if found is None:
        return None
    owner, bindings = found
    function, binding = owner.node, bindings[0]
    if len(bindings) != 1 or not isinstance(binding, ParamBinding) or not owner.is_async_function:
        return None
    return (owner, function, binding.node) if isinstance(function, cst.FunctionDef) else None


def _is_first_parameter(function: cst.FunctionDef, param: cst.Param) -> bool:
    positional = [*function.params.posonly_params, *function.params.params]
    if positional and positional[0].name.value in ("self", "cls"):
        positional = positional[1:]
    return bool(positional) and positional[0] is param


def passed_argument(ctx: FileContext, function: Scope, param: cst.CSTNode | None) -> Value | None:
    """What a sync function's parameter is bound to by the call from async code being judged."""
    if not isinstance(param, cst.Param):
        return None
    return ctx.inference.arguments.get(id(function.node), {}).get(param.name.value)


def passed_to_parameter(ctx: FileContext, scope: Scope, name: str) -> Value | None:
    """What the call being judged binds `name` to, when `name` is a parameter seen from `scope`."""
    found = scope.lookup(name)
    if found is None or len(found[1]) != 1 or not isinstance(found[1][0], ParamBinding):
        return None
    return passed_argument(ctx, found[0], found[1][0].node)


def is_request_attribute(ctx: FileContext, expr: cst.BaseExpression, attr: str) -> bool:
    """`request.<attr>` (also `getattr(request, "<attr>")`), directly, through a local name
    assigned only that, or through a parameter the caller passed it to."""
    values = bound_values(ctx, expr)
    return bool(values) and all(_request_attribute(ctx, value, scope, attr) for value, scope in values)


def _request_attribute(ctx: FileContext, value: cst.BaseExpression, scope: Scope, attr: str) -> bool:
    if isinstance(value, cst.Attribute):
        if attr == "session" and _session_loaded(ctx, value.value, scope):
            return False
        return value.attr.value == attr and is_request(ctx, value.value, scope)
    if isinstance(value, cst.Call):
        return _getattr_of_request(ctx, value, scope, attr)
    if not isinstance(value, cst.Name):
        return False
    return passed_to_parameter(ctx, scope, value.value) == RequestAttribute(attr)


def _session_loaded(ctx: FileContext, expr: cst.BaseExpression, scope: Scope) -> bool:
    """A request passed by an async caller that had loaded its session already."""
    if not isinstance(expr, cst.Name):
        return False
    passed = passed_to_parameter(ctx, scope, expr.value)
    return isinstance(passed, Request) and passed.session_loaded


def _getattr_of_request(ctx: FileContext, call: cst.Call, scope: Scope, attr: str) -> bool:
    """`getattr(request, "user")` (a default argument does not change what it loads)."""
    if not (isinstance(call.func, cst.Name) and call.func.value == "getattr") or len(call.args) not in (2, 3):
        return False
    if scope.lookup("getattr") is not None or any(arg.keyword or arg.star for arg in call.args):
        return False
    name = call.args[1].value
    return (
        isinstance(name, cst.SimpleString)
        and name.evaluated_value == attr
        and is_request(ctx, call.args[0].value, scope)
    )


def is_user(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """`request.user`, `await request.auser()`, or an instance of a user model with permissions."""
    if is_request_attribute(ctx, expr, "user"):
        return True
    values = bound_values(ctx, expr)
    if values and all(_is_awaited_auser(ctx, value, scope) for value, scope in values):
        return True
    value = ctx.infer(expr)
    return isinstance(value, Instance) and ctx.index.derives_from(
        value.model.qualname, PERMISSION_USER_CLASSES
    )


def _is_awaited_auser(ctx: FileContext, expr: cst.BaseExpression, scope: Scope) -> bool:
    if not (isinstance(expr, cst.Await) and isinstance(expr.expression, cst.Call)):
        return False
    func = expr.expression.func
    return (
        isinstance(func, cst.Attribute) and func.attr.value == "auser" and is_request(ctx, func.value, scope)
    )


# Classes whose dispatch runs `initial()` (perform_authentication) before any handler.
_AUTHENTICATING_VIEW_MODULES = (
    "adrf.views.",
    "adrf.viewsets.",
    "adrf.generics.",
    "rest_framework.views.",
    "rest_framework.viewsets.",
    "rest_framework.generics.",
)
_API_VIEW_DECORATORS = frozenset({"adrf.decorators.api_view", "rest_framework.decorators.api_view"})
# django-ninja's session auth reads `request.user.is_authenticated` in a thread.
_NINJA_SESSION_AUTH = frozenset(
    {
        f"ninja.security{module}.{name}"
        for module in ("", ".session")
        for name in ("django_auth", "django_auth_superuser", "django_auth_is_staff")
    }
)
_NINJA_SESSION_AUTH_CLASSES = frozenset(
    {
        f"ninja.security{module}.{name}"
        for module in ("", ".session")
        for name in ("SessionAuth", "SessionAuthSuperUser", "SessionAuthIsStaff")
    }
)
_NINJA_ROUTERS = frozenset({"ninja.NinjaAPI", "ninja.Router", "ninja.main.NinjaAPI", "ninja.router.Router"})
_NINJA_OPERATIONS = frozenset({"get", "post", "put", "patch", "delete", "api_operation"})


def user_loaded_before(ctx: FileContext, function: Scope | None) -> str | None:
    """The framework whose dispatch loaded `request.user` in a thread before `function` ran, or None."""
    if function is None or not isinstance(function.node, cst.FunctionDef):
        return None
    cls = function.parent
    if (
        cls is not None
        and isinstance(cls.node, cst.ClassDef)
        and cls.parent is not None
        and cls.parent.parent is None
    ):
        bases = ctx.index.functions.outside_bases(f"{ctx.module_name}.{cls.node.name.value}")
        found = next((base for base in bases if base.startswith(_AUTHENTICATING_VIEW_MODULES)), None)
        return found.split(".", 1)[0] if found is not None else None
    module_scope = function.module_scope
    for decorator in function.node.decorators:
        expr = decorator.decorator
        call = expr if isinstance(expr, cst.Call) else None
        name = callee_name(ctx, call, module_scope) if call is not None else None
        if name in _API_VIEW_DECORATORS:
            return name.split(".", 1)[0]
        if call is not None and _ninja_session_auth(ctx, call, module_scope):
            return "ninja"
    return None


def _ninja_session_auth(ctx: FileContext, call: cst.Call, scope: Scope) -> bool:
    """`@api.get(..., auth=django_auth)`, or an operation of `Router(auth=django_auth)`."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in _NINJA_OPERATIONS:
        return False
    auth = keyword_argument(call, "auth")
    if auth is None:
        owners = bound_values(ctx, func.value, scope)
        if not owners or not all(
            isinstance(owner, cst.Call) and callee_name(ctx, owner, owner_scope) in _NINJA_ROUTERS
            for owner, owner_scope in owners
        ):
            return False
        auth = next(
            (keyword_argument(owner, "auth") for owner, _ in owners if isinstance(owner, cst.Call)), None
        )
    if isinstance(auth, (cst.List, cst.Tuple)) and auth.elements:
        auth = auth.elements[0].value  # the first callback always runs
    if auth is None:
        return False
    if isinstance(auth, cst.Call):
        return callee_name(ctx, auth, scope) in _NINJA_SESSION_AUTH_CLASSES
    return getattr(ctx.inference.infer(auth, scope), "qualname", None) in _NINJA_SESSION_AUTH
