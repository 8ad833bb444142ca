"""Shared pieces of the middleware (ADJ6xx) and view (ADJ7xx) rules."""

from __future__ import annotations

from typing import TypeVar

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.scopes import Scope
from asyncdj_lint.facts.django_async_api import target_version
from asyncdj_lint.facts.request_path import HTTP_METHOD_NAMES, MIDDLEWARE_MIXIN
from asyncdj_lint.facts.view_decorators import UNAWAITED_VIEW
from asyncdj_lint.index.request_path import RequestPathIndex
from asyncdj_lint.index.request_path.definitions import RequestClass, RequestFunction
from asyncdj_lint.rules.base import Outcome
from asyncdj_lint.syntax.names import dotted_name

# Django's name for the parameter of a middleware factory, in its docs and source.
GET_RESPONSE = "get_response"
SYNC_ONLY = (True, False)
ASYNC_ONLY = (False, True)
BOTH = (True, True)
HANDLER_NAMES = frozenset(HTTP_METHOD_NAMES) | {"dispatch"}

# What Django does when a sync view (or wrapper) hands back an async view's coroutine.
RETURNS_COROUTINE = Outcome(
    exception="builtins.ValueError",
    message=UNAWAITED_VIEW,
    warning="RuntimeWarning",
    warning_message="was never awaited",
)


def request_path(ctx: FileContext) -> RequestPathIndex:
    return ctx.index.request_path


def _at_module_level(scope: Scope) -> bool:
    """Whether the class or function whose scope this is is defined at module level."""
    return scope.parent is not None and scope.parent.parent is None


def module_class(
    ctx: FileContext, node: cst.ClassDef, scope: Scope | None = None
) -> tuple[str, RequestClass] | None:
    """A module-level class's qualified name and request-path facts: the class being visited,
    or the one whose scope is `scope`."""
    if not _at_module_level(scope or ctx.scope):
        return None
    facts = ctx.index.modules[ctx.module_name].request_path.classes.get(node.name.value)
    return (f"{ctx.module_name}.{node.name.value}", facts) if facts else None


def module_function(ctx: FileContext, node: cst.FunctionDef) -> tuple[str, RequestFunction] | None:
    if not _at_module_level(ctx.scope):
        return None
    facts = ctx.index.modules[ctx.module_name].request_path.functions.get(node.name.value)
    return (f"{ctx.module_name}.{node.name.value}", facts) if facts else None


def view_handlers(ctx: FileContext, node: cst.ClassDef) -> dict[str, tuple[bool, str]] | None:
    """The HTTP handlers of a module-level class-based view that defines one itself, else None."""
    own = {s.name.value for s in node.body.body if isinstance(s, cst.FunctionDef)}
    if not own & HANDLER_NAMES:
        return None
    found = module_class(ctx, node)
    return request_path(ctx).handlers(found[0]) if found else None


def is_middleware(ctx: FileContext, qualname: str, factory_param: str | None) -> bool:
    """A middleware factory: takes `get_response`, is a MiddlewareMixin, or is in MIDDLEWARE."""
    index = request_path(ctx)
    return (
        factory_param == GET_RESPONSE
        or index.inherits(qualname, MIDDLEWARE_MIXIN)
        or index.is_listed_middleware(qualname, ctx.options.settings_module)
    )


def middleware_class(
    ctx: FileContext, node: cst.ClassDef
) -> tuple[str, RequestClass, tuple[bool, bool]] | None:
    """A module-level middleware class with its own `__call__` and known flags: (qualname, facts, flags)."""
    found = module_class(ctx, node)
    return _with_flags(ctx, found) if found is not None and found[1].call is not None else None


def middleware_factory(
    ctx: FileContext, node: cst.FunctionDef
) -> tuple[str, RequestFunction, tuple[bool, bool]] | None:
    """A module-level function middleware factory whose flags are known."""
    found = module_function(ctx, node)
    return _with_flags(ctx, found) if found is not None and found[1].middleware_inner is not None else None


_Facts = TypeVar("_Facts", RequestClass, RequestFunction)


def _with_flags(ctx: FileContext, found: tuple[str, _Facts]) -> tuple[str, _Facts, tuple[bool, bool]] | None:
    """(qualname, facts, flags) of a middleware whose flags are known."""
    qualname, facts = found
    if not is_middleware(ctx, qualname, facts.middleware_param):
        return None
    flags = request_path(ctx).middleware_flags(qualname)
    return (qualname, facts, flags) if flags is not None else None


def resolved(ctx: FileContext, expr: cst.BaseExpression) -> str | None:
    """The qualified name a name or attribute written in this module refers to."""
    return request_path(ctx).resolve_name(ctx.module_name, dotted_name(expr))


def decorator_callee(decorator: cst.Decorator) -> cst.BaseExpression:
    """`@x` and `@x(...)` -> `x`."""
    expr = decorator.decorator
    return expr.func if isinstance(expr, cst.Call) else expr


def target_django(ctx: FileContext) -> tuple[int, int]:
    return target_version(ctx.options)
