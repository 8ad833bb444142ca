"""ADJ509: Django's sync cache API called on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._cache import (
    ASYNC_CACHE_VIEW,
    BLOCKING_BACKENDS,
    CACHE_SETTINGS_NEEDED,
    DATABASE_BACKEND,
    NO_IO_BACKENDS,
    SYNC_CACHE_VIEW,
    cache_call,
)
from asyncdj_lint.rules.base import RESPONDS_OK, Example, Expected, Outcome, Rule, Severity

_FILE_CACHE_SETTINGS = (
    "settings.py",
    """\
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": "/var/tmp/django_cache",
    }
}
""",
)
_LOCMEM_SETTINGS = (
    "settings.py",
    """\
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
""",
)


class SyncCacheCall(Rule):
    code = "ADJ509"
    name = "sync-cache-call"
    stable_since = "0.1.0"
    severity = Severity.WARNING
    summary = "A sync cache method (`cache.get()`, `cache.set()`, ...) is called in async code."
    why = (
        "A cache call talks to the backend before it returns: with Redis or Memcached the "
        "event loop waits on the network, with FileBasedCache on the disk, and every other "
        "request waits with it. Every cache method has an async twin since Django 4.0 "
        "(`aget`, `aset`, `aget_or_set`, `adelete`, ...). `LocMemCache` and `DummyCache` do no "
        "I/O, so their calls are not reported; a DatabaseCache raises (ADJ513)."
    )
    needs = (
        "The BACKEND of the cache alias in the settings the code runs under: `cache` is alias "
        "`default`, `caches['name']` the alias written; settings that do not set CACHES get "
        "Django's default, a LocMemCache. "
        + CACHE_SETTINGS_NEEDED
        + "When the backend is not known (no settings module found, CACHES not a literal or imported from elsewhere, "
        "a BACKEND set in an `if` block that differs from the one before it, an alias that "
        "is not a literal), the call is reported and the message says the backend is unknown."
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
            SYNC_CACHE_VIEW,
            Outcome(runs_on_loop="django.core.cache.backends.filebased.FileBasedCache.get"),
            files=(_FILE_CACHE_SETTINGS,),
            expected=(
                Expected(
                    "6:25-6:55",
                    "`cache.get()` blocks the event loop while it waits on the file system (cache 'default'); "
                    "use `await cache.aget(...)`",
                ),
            ),
            fixed=ASYNC_CACHE_VIEW,
        ),
    )
    valid = (
        Example(
            ASYNC_CACHE_VIEW,
            RESPONDS_OK,
            files=(_FILE_CACHE_SETTINGS,),
        ),
        Example(
            SYNC_CACHE_VIEW,
            RESPONDS_OK,
            files=(_LOCMEM_SETTINGS,),
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        call = cache_call(self.ctx, node)
        if call is None or call.backend in NO_IO_BACKENDS or call.backend == DATABASE_BACKEND:
            return  # no I/O, or a query: ADJ513's finding
        target = f"`{call.cache}.{call.method}()`"
        if call.backend is None:
            self.report(
                node,
                f"{target} talks to the cache backend on the event loop, and the backend is unknown "
                f"({call.unknown_because}): Redis, Memcached and file caches block the loop, "
                f"DatabaseCache raises SynchronousOnlyOperation; use {call.advice(self.ctx)}",
                fix=call.fix(self.ctx, node),
            )
            return
        waits_on = BLOCKING_BACKENDS.get(call.backend, f"the `{call.backend}` backend")
        self.report(
            node,
            f"{target} blocks the event loop while it waits on {waits_on} (cache '{call.alias}'); "
            f"use {call.advice(self.ctx)}",
            fix=call.fix(self.ctx, node),
        )
