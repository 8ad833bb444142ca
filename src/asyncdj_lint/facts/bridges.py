"""Calls that move work off the event loop, and the ones that cannot."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

SYNC_TO_ASYNC = frozenset(
    {
        "asgiref.sync.sync_to_async",
        "asgiref.sync.SyncToAsync",
        "channels.db.database_sync_to_async",
        "channels.db.DatabaseSyncToAsync",
    }
)
# Callables that run their first argument in another thread.
_THREAD_RUNNERS = frozenset({*SYNC_TO_ASYNC, "asyncio.to_thread", "threading.Thread", "threading.Timer"})
# Methods that run a callable argument in a thread: loop.run_in_executor(None, fn), pool.submit(fn).
_THREAD_METHODS = frozenset({"run_in_executor", "submit", "apply_async"})
# Callables that store their callable argument for Django or Python to call later, elsewhere:
# after rendering, after the transaction commits, when a signal is sent, at exit.
DEFERRING_CALLABLES = frozenset({"atexit.register", "django.db.transaction.on_commit"})
DEFERRING_METHODS = frozenset({"add_post_render_callback", "on_commit", "connect"})
# Pools whose `map()` runs the callable in their workers, not in the caller.
EXECUTORS = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
        "multiprocessing.Pool",
        "multiprocessing.pool.Pool",
        "multiprocessing.pool.ThreadPool",
    }
)
EXECUTOR_MAPS = frozenset({"map", "imap", "imap_unordered", "starmap", "map_async", "starmap_async"})
ASYNC_TO_SYNC = frozenset({"asgiref.sync.async_to_sync", "asgiref.sync.AsyncToSync"})


def qualname_of(value: object) -> str | None:
    return getattr(value, "qualname", None)


def thread_bridge(call: cst.Call, infer: Callable[[cst.BaseExpression], object]) -> str | None:
    """The name of the thread runner `call` is, or None.

    Names are resolved through imports: a local function that happens to be
    called `sync_to_async` is not a bridge.
    """
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in _THREAD_METHODS:
        return call.func.attr.value
    name = qualname_of(infer(call.func))
    return name if name in _THREAD_RUNNERS else None
