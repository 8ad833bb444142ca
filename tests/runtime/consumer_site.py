"""Serve a rule example that is a Channels consumer: one websocket session, one message.

The example's last top-level class is the consumer. It is connected through
asgiref's `ApplicationCommunicator` (the ASGI websocket protocol, no server),
sent one text frame `{"pk": SEED_PK}`, and must reply; the result's status is
200 when it did. Afterwards the harness looks at the thread `sync_to_async`
runs sync work in, outside any request: whether its database connection is
still open (`ServedResult.connection_open`), which is what
`database_sync_to_async` prevents and plain `sync_to_async` does not.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import json
import warnings

from asgiref.sync import sync_to_async
from django.db import connection, connections

from asyncdj_lint.rules.base import Example
from tests.runtime.harness import (
    ServedError,
    ServedResult,
    ServedWarning,
    _exec,
    _fresh_modules,
    _request_log_muted,
    _served_name,
)


def is_consumer(code: str) -> bool:
    """Whether the example serves a class built on a Channels consumer (its base's name ends in Consumer)."""
    classes = [node for node in ast.parse(code).body if isinstance(node, ast.ClassDef)]
    if not classes or classes[-1].name != _served_name(code):
        return False
    return any(ast.unparse(base).endswith("Consumer") for base in classes[-1].bases)


def serve_consumer(example: Example) -> ServedResult:
    from shop.seed import reseed

    reseed()
    with warnings.catch_warnings(record=True) as caught, _request_log_muted():
        warnings.simplefilter("always")
        status, error, is_open = None, None, None
        with _fresh_modules() as (module, _):
            try:
                _exec(example.code, module)
                is_open = asyncio.run(_session(getattr(module, _served_name(example.code))))
                status = 200
            except Exception as exc:  # noqa: BLE001 - whatever escapes is the outcome under test
                error = ServedError.from_exception(exc)
        gc.collect()
    return ServedResult(
        status,
        error,
        tuple(ServedWarning(w.category.__name__, str(w.message)) for w in caught),
        connection_open=is_open,
    )


async def _session(consumer: type) -> bool:
    from asgiref.testing import ApplicationCommunicator
    from shop.seed import SEED_PK

    await sync_to_async(connections.close_all)()  # the worker thread starts without a connection
    scope = {"type": "websocket", "path": "/ws/", "headers": [], "subprotocols": []}
    communicator = ApplicationCommunicator(consumer.as_asgi(), scope)  # type: ignore[attr-defined]
    await communicator.send_input({"type": "websocket.connect"})
    accepted = await communicator.receive_output(timeout=5)
    assert accepted["type"] == "websocket.accept", f"the consumer refused the connection: {accepted}"
    try:
        await communicator.send_input({"type": "websocket.receive", "text": json.dumps({"pk": SEED_PK})})
        await communicator.receive_output(timeout=5)  # re-raises what the consumer raised
        is_open: bool = await sync_to_async(lambda: connection.connection is not None)()
        return is_open
    finally:
        await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await communicator.wait(timeout=5)
        await sync_to_async(connections.close_all)()
