"""ADJ509: Django's sync cache API called on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import bound_values
from asyncdj_lint.analysis.inference import Symbol
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._fixes import await_twin
from asyncdj_lint.rules.base import RESPONDS_OK, Example, Expected, Outcome, Rule, Severity

_CACHE = "django.core.cache.cache"
_CACHES = "django.core.cache.caches"


class SyncCacheCall(Rule):
    code = "ADJ509"
    name = "sync-cache-call"
    stable_since = "0.1.0"
    severity = Severity.WARNING
    summary = "A sync cache method (`cache.get()`, `cache.set()`, ...) is called in async code."
    why = (
        "A cache call talks to the backend before it returns: with Redis or Memcached the "
        "event loop waits on the network, and with `DatabaseCache` it raises "
        "`SynchronousOnlyOperation`. Every cache method has an async twin since Django 4.0 "
        "(`aget`, `aset`, `aget_or_set`, `adelete`, ...)."
    )
    django_versions = "4.0 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The call is replaced by its awaited async twin (`cache.get(key)` becomes "
        "`await cache.aget(key)`): the fix is safe, the twin does the same work with the same "
        "arguments, in a thread. A call where `await` cannot be written (in a comprehension or a "
        "lambda) has no fix."
    )
    invalid = (
        Example(
            """\
from django.core.cache import cache
from django.http import HttpResponse


async def banner(request):
    return HttpResponse(cache.get("banner", "Welcome"))
""",
            Outcome(runs_on_loop="django.core.cache.backends.locmem.LocMemCache.get"),
            expected=(
                Expected(
                    "6:25-6:55",
                    "`cache.get()` waits on the cache backend on the event loop (and raises SynchronousOnlyOperation with DatabaseCache); use `await cache.aget(...)`",
                ),
            ),
            fixed="""\
from django.core.cache import cache
from django.http import HttpResponse


async def banner(request):
    return HttpResponse(await cache.aget("banner", "Welcome"))
""",
        ),
    )
    valid = (
        Example(
            """\
from django.core.cache import cache
from django.http import HttpResponse


async def banner(request):
    return HttpResponse(await cache.aget("banner", "Welcome"))
""",
            RESPONDS_OK,
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (
            self.ctx.on_loop and isinstance(func, cst.Attribute) and func.attr.value in api.CACHE_METHODS
        ):
            return
        if not self._is_cache(func.value):
            return
        method, cache = func.attr.value, self.ctx.snippet(func.value)
        advice = api.advise(
            self.ctx.options,
            api.CACHE_METHODS_SINCE,
            f"`await {cache}.{api.CACHE_METHODS[method]}(...)`",
            f"`await sync_to_async({cache}.{method})(...)`",
        )
        self.report(
            node,
            f"`{cache}.{method}()` waits on the cache backend on the event loop (and raises "
            f"SynchronousOnlyOperation with DatabaseCache); use {advice}",
            fix=await_twin(self.ctx, node, api.CACHE_METHODS[method])
            if api.has(self.ctx.options, api.CACHE_METHODS_SINCE)
            else None,
        )

    def _is_cache(self, expr: cst.BaseExpression) -> bool:
        """`cache` or `caches["alias"]` from django.core.cache, directly or through a local name."""
        values = bound_values(self.ctx, expr)
        return bool(values) and all(self._is_cache_value(value, scope) for value, scope in values)

    def _is_cache_value(self, expr: cst.BaseExpression, scope) -> bool:
        if isinstance(expr, cst.Subscript):
            return self._symbol(expr.value, scope) == _CACHES
        return self._symbol(expr, scope) == _CACHE

    def _symbol(self, expr: cst.BaseExpression, scope) -> str | None:
        value = self.ctx.inference.infer(expr, scope)
        return value.qualname if isinstance(value, Symbol) else None
