"""Run each field bug of fixtures/field_bugs, and its corrected twin, under real Django.

The field bug project is a Django project of its own (its `library` app, its
settings, Channels' in-memory layer), so it runs in a process of its own:

    python -m tests.runtime.field_bugs [--project DIR] DB_PATH [ID ...]

sets Django up against a fresh SQLite file at DB_PATH, runs every catalogue
entry's (or only the IDs given) buggy and twin code the way its `drive` says, and prints one JSON
object: `{"FB01": {"buggy": {...}, "twin": {...}}, ...}`, each side a
`SideResult` as a dict. tests/test_field_bugs.py compares them with what the
catalogue says the report describes. `--project` serves a copy of the project
instead (tests/test_fix_runtime.py serves one that `--fix` rewrote).

Drives:
- `view`: routed by a one-path URLconf (`<int:pk>/` when the entry gives a
  `pk`) and fetched with one GET through `AsyncClient`, logged in as the
  seeded reader with a database session, streaming content read
  asynchronously, as an ASGI server does.
- `middleware`: appended to MIDDLEWARE in front of an async view answering 200.
- `asgi`: pure ASGI middleware, called with an HTTP scope around an app answering 200.
- `coroutine`: awaited under `asyncio.run`, with the entry's `args` as keyword arguments.
- `consumer`: a Channels consumer, connected through `WebsocketCommunicator`,
  sent the entry's `args` as JSON and read once.

Observations (`observe`), made after the run: `audit` counts AuditEntry rows
(a lost write shows as none), `group:NAME` whether a channel subscribed to
that group received a message, `worker_connection` whether sync_to_async's
worker thread was left with an open database connection.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import itertools
import json
import os
import sys
import types
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import aclosing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

from tests.field_bug_corpus import PROJECT, load_catalogue
from tests.runtime.harness import ServedError, ServedWarning, _request_log_muted, _respond_ok

READER = "reader"

_urlconf_numbers = itertools.count()


@dataclass
class SideResult:
    """What one side (buggy or twin) did when it ran."""

    status: int | None = None  # HTTP status, when there is a response
    body: str = ""
    error: dict[str, str] | None = None  # {"exception": dotted class, "message": ...}
    warnings: list[dict[str, str]] = field(default_factory=list)  # {"category": ..., "message": ...}
    observed: str | None = None  # what the entry's `observe` found afterwards


def module_name(entry: dict[str, Any]) -> str:
    return str(entry["module"]).removesuffix(".py").replace("/", ".")


def setup_django(db_path: str, project: Path = PROJECT) -> None:
    sys.path.insert(0, str(project))
    os.environ["DJANGO_SETTINGS_MODULE"] = "fieldsite.settings"
    os.environ["FIELD_BUGS_DB"] = db_path
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)


def seed() -> None:
    """Empty every table, then add the rows every bug starts from (first row of each table: pk 1)."""
    from django.contrib.auth.models import User
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from library.models import Author, Book, Loan, Tenant

    tables = connection.introspection.django_table_names(only_existing=True)
    kept = {"django_content_type", "auth_permission"}
    flush = connection.ops.sql_flush(no_style(), [t for t in tables if t not in kept], reset_sequences=True)
    connection.ops.execute_sql_flush(flush)
    with transaction.atomic():
        reader = User.objects.create_user(READER, "reader@example.com")
        ursula = Author.objects.create(name="Ursula")
        book = Book.objects.create(title="The Dispossessed", isbn="111", author=ursula)
        Book.objects.create(title="The Lathe of Heaven", isbn="222", author=ursula)
        Loan.objects.create(book=book, borrower=reader)
        Tenant.objects.create(domain="testserver", name="Test library")


def run_side(entry: dict[str, Any], side: str) -> SideResult:
    from django.db import connections

    seed()
    connections.close_all()
    _fresh_channel_layers()
    result = SideResult()
    target = getattr(importlib.import_module(module_name(entry)), entry[side])
    drive = _DRIVES[entry["drive"]]
    return run_recorded(lambda: _observed(entry, lambda: drive(entry, side, target, result), result), result)


def run_recorded(run: Callable[[], Coroutine[Any, Any, None]], result: SideResult) -> SideResult:
    """`result` with the exception that escaped `run()` (under `asyncio.run`) and the warnings emitted."""
    with warnings.catch_warnings(record=True) as caught, _request_log_muted():
        warnings.simplefilter("always")
        try:
            asyncio.run(run())
        except Exception as exc:  # noqa: BLE001 - whatever escapes is the outcome under test
            served = ServedError.from_exception(exc)
            result.error = {"exception": served.exception, "message": served.message}
        # An unawaited coroutine warns when it is finalized, possibly only once a
        # reference cycle (a traceback's frames) is collected.
        gc.collect()
    result.warnings = [asdict(ServedWarning(w.category.__name__, str(w.message))) for w in caught]
    return result


def _fresh_channel_layers() -> None:
    """Each side runs in its own event loop; the in-memory layer's queues belong to one loop."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()


async def _observed(entry: dict[str, Any], run: Callable[[], Awaitable[None]], result: SideResult) -> None:
    observe = entry.get("observe")
    before = await _before(observe)
    try:
        await run()
    finally:
        if observe is not None and result.observed is None:
            result.observed = await _after(observe, before)


async def _before(observe: str | None) -> str | None:
    from asgiref.sync import sync_to_async
    from django.db import connections

    if observe == "worker_connection":
        await sync_to_async(connections.close_all)()
    if observe is not None and observe.startswith("group:"):
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        channel: str = await layer.new_channel()
        await layer.group_add(observe.removeprefix("group:"), channel)
        return channel
    return None


async def _after(observe: str, before: str | None) -> str:
    if observe == "worker_connection":
        return await _worker_connection()
    if observe == "audit":
        from library.models import AuditEntry

        return f"audit entries: {await AuditEntry.objects.acount()}"
    if observe.startswith("group:") and before is not None:
        from channels.layers import get_channel_layer

        try:
            await asyncio.wait_for(get_channel_layer().receive(before), timeout=0.5)
        except asyncio.TimeoutError:
            return "nothing"
        return "received"
    raise ValueError(f"unknown observe {observe!r}")


async def _worker_connection() -> str:
    """Whether the thread sync_to_async runs in outside a request holds an open connection."""
    from asgiref.sync import sync_to_async
    from django.db import connection

    is_open = await sync_to_async(lambda: connection.connection is not None)()
    return "open" if is_open else "closed"


async def _drive_view(entry: dict[str, Any], side: str, target: Any, result: SideResult) -> None:
    from django.urls import path

    view = cast(Any, target).as_view() if isinstance(target, type) else target
    if "pk" in entry:
        pattern, url = path("<int:pk>/", view), f"/{entry['pk']}/"
    else:
        pattern, url = path("", view), "/"
    await _get(url, [pattern], None, result)


async def _drive_middleware(entry: dict[str, Any], side: str, target: Any, result: SideResult) -> None:
    from django.conf import settings
    from django.urls import path

    middleware = [*settings.MIDDLEWARE, f"{module_name(entry)}.{entry[side]}"]
    await _get("/", [path("", _respond_ok)], middleware, result)


async def _get(url: str, patterns: list[Any], middleware: list[str] | None, result: SideResult) -> None:
    from asgiref.sync import ThreadSensitiveContext, sync_to_async
    from django.contrib.auth.models import User
    from django.db import connections
    from django.test import AsyncClient, override_settings

    overrides: dict[str, object] = {}
    if middleware is not None:
        overrides["MIDDLEWARE"] = middleware
    with _urlconf(patterns) as urlconf, override_settings(ROOT_URLCONF=urlconf, **overrides):
        client = AsyncClient()
        async with ThreadSensitiveContext():
            try:
                await client.aforce_login(await User.objects.aget(username=READER))
                response = await client.get(url)
                result.status = response.status_code
                if response.streaming:
                    chunks = []
                    async with aclosing(aiter(response)) as content:
                        async for chunk in content:
                            chunks.append(chunk)
                    result.body = b"".join(chunks).decode()
                else:
                    result.body = response.content.decode()
            finally:
                await sync_to_async(connections.close_all)()


@contextmanager
def _urlconf(patterns: list[Any]) -> Iterator[str]:
    module = types.ModuleType(f"field_bugs_urls_{next(_urlconf_numbers)}")
    module.urlpatterns = patterns  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        yield module.__name__
    finally:
        del sys.modules[module.__name__]


async def _drive_asgi(entry: dict[str, Any], side: str, target: Any, result: SideResult) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(scope.get("tenant", "")).encode()})

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"testserver")]}
    await target(app)(scope, receive, send)
    result.status = next(m["status"] for m in sent if m["type"] == "http.response.start")


async def _drive_coroutine(entry: dict[str, Any], side: str, target: Any, result: SideResult) -> None:
    value = await target(**entry.get("args", {}))
    result.body = "" if value is None else str(value)


async def _drive_consumer(entry: dict[str, Any], side: str, target: Any, result: SideResult) -> None:
    """One websocket session: connect, one text frame, one reply. asgiref's communicator speaks
    the ASGI websocket protocol directly (Channels' own needs daphne only for its live server)."""
    from asgiref.testing import ApplicationCommunicator

    scope = {"type": "websocket", "path": "/ws/", "headers": [], "subprotocols": []}
    communicator = ApplicationCommunicator(target.as_asgi(), scope)
    await communicator.send_input({"type": "websocket.connect"})
    accepted = await communicator.receive_output(timeout=5)
    assert accepted["type"] == "websocket.accept", f"the consumer refused the connection: {accepted}"
    try:
        await communicator.send_input(
            {"type": "websocket.receive", "text": json.dumps(entry.get("args", {}))}
        )
        reply = await communicator.receive_output(timeout=5)  # re-raises what the consumer raised
        result.body = str(reply.get("text", ""))
        if entry.get("observe") == "worker_connection":
            # Between messages: Channels closes old connections only when it dispatches the next one.
            result.observed = await _worker_connection()
    finally:
        await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await communicator.wait(timeout=5)


_DRIVES: dict[str, Callable[[dict[str, Any], str, Any, SideResult], Awaitable[None]]] = {
    "view": _drive_view,
    "middleware": _drive_middleware,
    "asgi": _drive_asgi,
    "coroutine": _drive_coroutine,
    "consumer": _drive_consumer,
}


def main(argv: list[str]) -> int:
    project = PROJECT
    if argv[:1] == ["--project"]:
        project, argv = Path(argv[1]).resolve(), argv[2:]
    db_path, *only = argv
    setup_django(db_path, project)
    results = {
        entry["id"]: {side: asdict(run_side(entry, side)) for side in ("buggy", "twin")}
        for entry in load_catalogue(project / "catalogue.toml")
        if not only or entry["id"] in only
    }
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
