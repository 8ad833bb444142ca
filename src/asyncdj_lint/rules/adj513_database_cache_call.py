"""ADJ513: a sync cache method of a DatabaseCache called on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._cache import (
    ASYNC_CACHE_VIEW,
    CACHE_SETTINGS_NEEDED,
    DATABASE_BACKEND,
    SYNC_CACHE_VIEW,
    cache_call,
)
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, RESPONDS_OK, Example, Expected, Rule, Severity

_DATABASE_CACHE_SETTINGS = (
    "settings.py",
    """\
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cache_table",
    }
}
""",
)


class DatabaseCacheCall(Rule):
    code = "ADJ513"
    name = "database-cache-call"
    # Added after 0.1.0: the next release is the first to ship it.
    stable_since = "0.2.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "A sync cache method is called in async code on a cache whose backend is DatabaseCache."
    why = (
        "`DatabaseCache` keeps the cache in a database table: every sync cache method runs a "
        "query, and on the event loop Django raises `SynchronousOnlyOperation`. The async "
        "twins (`aget`, `aset`, `aget_or_set`, `adelete`, ..., since Django 4.0) run the "
        "query in a thread. Other backends are ADJ509's: they block the loop without raising."
    )
    needs = (
        "The BACKEND of the cache alias in the settings the code runs under: `cache` is alias "
        "`default`, `caches['name']` the alias written. "
        + CACHE_SETTINGS_NEEDED
        + "When the backend is not known, this rule is silent and ADJ509 reports the call, saying the backend is unknown."
    )
    django_versions = "4.0 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The call is replaced by its awaited async twin (`cache.get(key)` becomes "
        "`await cache.aget(key)`): the fix is safe, the twin runs the same query with the same "
        "arguments, in a thread. A call where `await` cannot be written (in a comprehension or a "
        "lambda) has no fix."
    )
    invalid = (
        Example(
            SYNC_CACHE_VIEW,
            RAISES_SYNC_ONLY,
            files=(_DATABASE_CACHE_SETTINGS,),
            expected=(
                Expected(
                    "6:25-6:55",
                    "`cache.get()` runs a database query on the event loop (cache 'default' is a "
                    "DatabaseCache) and raises SynchronousOnlyOperation; use `await cache.aget(...)`",
                ),
            ),
            fixed=ASYNC_CACHE_VIEW,
        ),
    )
    valid = (
        Example(
            ASYNC_CACHE_VIEW,
            RESPONDS_OK,
            files=(_DATABASE_CACHE_SETTINGS,),
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        call = cache_call(self.ctx, node)
        if call is None or call.backend != DATABASE_BACKEND:
            return
        self.report(
            node,
            f"`{call.cache}.{call.method}()` runs a database query on the event loop (cache "
            f"'{call.alias}' is a DatabaseCache) and raises SynchronousOnlyOperation; use "
            f"{call.advice(self.ctx)}",
            fix=call.fix(self.ctx, node),
        )
