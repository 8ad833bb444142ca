"""Shared pieces of the cache rules (ADJ509, ADJ513): which cache a call uses, and its backend.

A cache call is judged by the BACKEND its alias has in the settings the code
runs under (test code: the test settings, see `index.request_path.testing`).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from asyncdj_lint.analysis.calls import bound_values
from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.scopes import Scope
from asyncdj_lint.analysis.values import Symbol
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import Fix
from asyncdj_lint.rules._fixes import await_twin
from asyncdj_lint.rules._request_path import request_path
from asyncdj_lint.syntax.literals import string_value

# What both cache rules' pages say about the settings a call is judged under.
CACHE_SETTINGS_NEEDED = (
    "Project code runs under the project's settings (found as the README describes, or "
    "`--settings`); test code (`test_*.py`, `*_tests.py`, `conftest.py`, `tests/` packages) "
    "under the test settings that pytest-django reads (`DJANGO_SETTINGS_MODULE`, `--ds` or "
    "pytest-env's `env` in pyproject.toml, pytest.ini, tox.ini or setup.cfg) or that "
    "`manage.py test --settings` names. Settings are replayed through star imports and "
    "django-split-settings' `include()` (paths relative to the including file, glob patterns "
    "in sorted order, `optional()` files that may be missing; an include in an `if` block, or "
    "of a file that is not in the project, leaves CACHES unknown). A project backend class is "
    "judged as the Django backend it derives from (`class LocMemCache(django...locmem."
    "LocMemCache)` does no I/O). "
)

# The view the cache rules' examples serve, calling the sync and the async API.
SYNC_CACHE_VIEW = """\
from django.core.cache import cache
from django.http import HttpResponse


async def banner(request):
    return HttpResponse(cache.get("banner", "Welcome"))
"""
ASYNC_CACHE_VIEW = SYNC_CACHE_VIEW.replace('cache.get("banner"', 'await cache.aget("banner"')

_CACHE = "django.core.cache.cache"
_CACHES = "django.core.cache.caches"
DEFAULT_ALIAS = "default"

# Backends that do no I/O: a call returns at once.
NO_IO_BACKENDS = frozenset(
    {"django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache"}
)
DATABASE_BACKEND = "django.core.cache.backends.db.DatabaseCache"
# Backends whose calls block the event loop, and on what.
BLOCKING_BACKENDS = {
    "django.core.cache.backends.redis.RedisCache": "a Redis server",
    "django_redis.cache.RedisCache": "a Redis server",
    "django.core.cache.backends.memcached.PyMemcacheCache": "a Memcached server",
    "django.core.cache.backends.memcached.PyLibMCCache": "a Memcached server",
    "django.core.cache.backends.memcached.MemcachedCache": "a Memcached server",
    "django.core.cache.backends.filebased.FileBasedCache": "the file system",
}


@dataclass(frozen=True)
class CacheCall:
    """A sync cache method called on the event loop, and what is known of its backend."""

    method: str
    cache: str  # the receiver as written
    alias: str | None  # None when not a literal
    backend: str | None  # None when unknown
    unknown_because: str  # why the backend is unknown ("" when known)

    def fix(self, ctx: FileContext, node: cst.Call) -> Fix | None:
        """The call awaited as its async twin, where the target Django version has it."""
        if not api.has(ctx.options, api.CACHE_METHODS_SINCE):
            return None
        return await_twin(ctx, node, api.CACHE_METHODS[self.method])

    def advice(self, ctx: FileContext) -> str:
        return api.advise(
            ctx.options,
            api.CACHE_METHODS_SINCE,
            f"`await {self.cache}.{api.CACHE_METHODS[self.method]}(...)`",
            f"`await sync_to_async({self.cache}.{self.method})(...)`",
        )


def cache_call(ctx: FileContext, node: cst.Call) -> CacheCall | None:
    """The cache call `node` is when it is a sync cache method of Django's cache on the loop."""
    func = node.func
    if not (ctx.on_loop and isinstance(func, cst.Attribute) and func.attr.value in api.CACHE_METHODS):
        return None
    values = bound_values(ctx, func.value)
    aliases = [_alias(ctx, value, scope) for value, scope in values]
    if not aliases or any(alias is False for alias in aliases):
        return None
    found = {alias for alias in aliases if not isinstance(alias, bool)}
    alias = found.pop() if len(found) == 1 and None not in aliases else None
    backend, why = _backend(ctx, alias)
    return CacheCall(func.attr.value, ctx.snippet(func.value), alias, backend, why)


def _alias(ctx: FileContext, expr: cst.BaseExpression, scope: Scope) -> str | None | bool:
    """The alias of `cache` ("default") or `caches["alias"]` (None when not a literal); False otherwise."""
    if isinstance(expr, cst.Subscript):
        if _symbol(ctx, expr.value, scope) != _CACHES:
            return False
        index = expr.slice[0].slice if len(expr.slice) == 1 else None
        return string_value(index.value) if isinstance(index, cst.Index) else None
    return DEFAULT_ALIAS if _symbol(ctx, expr, scope) == _CACHE else False


def _symbol(ctx: FileContext, expr: cst.BaseExpression, scope: Scope) -> str | None:
    value = ctx.inference.infer(expr, scope)
    return value.qualname if isinstance(value, Symbol) else None


def _backend(ctx: FileContext, alias: str | None) -> tuple[str | None, str]:
    """(BACKEND, "") for the alias in the settings this module runs under, else (None, why not)."""
    if alias is None:
        return None, "the cache alias is not a literal"
    settings = request_path(ctx).settings_for(ctx.settings_module_name, ctx.options.settings_module)
    if settings.caches is None:
        found = bool(settings.roots)
        return None, "CACHES is not a literal" if found else "no settings module was found"
    backend = dict(settings.caches).get(alias)
    if backend is None:
        return None, f"the settings do not give cache '{alias}' one literal BACKEND"
    return _django_backend(ctx, backend), ""


def _django_backend(ctx: FileContext, backend: str) -> str:
    """A project's subclass of a Django backend (`core.cache.LocMemCache(LocMemCache)`) is judged as
    the Django backend it derives from; any other backend as written."""
    known = (*NO_IO_BACKENDS, DATABASE_BACKEND, *BLOCKING_BACKENDS)
    if backend in known:
        return backend
    return next((base for base in known if ctx.index.derives_from(backend, frozenset({base}))), backend)
