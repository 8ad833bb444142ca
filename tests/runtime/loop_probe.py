"""Where a blocking call runs: replaces a callable to record, per call from an example, its thread.

Django raises nothing when a view blocks the event loop (`time.sleep`, an
HTTP request, a cache round trip): the loop just stalls. The proof that a
warning rule is right is that the call runs on the loop's thread, the one
where `asyncio.get_running_loop()` succeeds, which is also the test Django's
own `async_unsafe` guard makes.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def _requests_answer(*args: object, **kwargs: object) -> object:
    """The response requests makes of a server answering `{}`."""
    import requests

    response = requests.Response()
    response.status_code, response._content = 200, b"{}"
    response.headers["Content-Type"] = "application/json"
    return response


# Calls that would leave the machine, or start a process, are answered by a
# stand-in; the others run for real after being recorded.
_STAND_INS: dict[str, Callable[..., object]] = {
    "urllib.request.urlopen": lambda *args, **kwargs: io.BytesIO(b"{}"),
    "subprocess.run": lambda args, *rest, **kwargs: subprocess.CompletedProcess(args, 0, b"", b""),
    "requests.get": _requests_answer,
}


@contextmanager
def offline() -> Iterator[None]:
    """Requests sent with httpx, sync or async, answered `{}` on the machine (by httpx's
    MockTransport) while in effect: an example, or its fixed code, never reaches a server."""
    try:
        import httpx
    except ImportError:  # nothing an example runs can send with it
        yield
        return
    answer = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    sync, asynchronous = httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request
    httpx.HTTPTransport.handle_request = lambda self, request: answer.handle_request(request)  # type: ignore[method-assign]
    httpx.AsyncHTTPTransport.handle_async_request = lambda self, request: answer.handle_async_request(request)  # type: ignore[method-assign]
    try:
        yield
    finally:
        httpx.HTTPTransport.handle_request = sync  # type: ignore[method-assign]
        httpx.AsyncHTTPTransport.handle_async_request = asynchronous  # type: ignore[method-assign]


_EXAMPLE_FILE_PREFIX = "<asyncdj_example_"


@dataclass(frozen=True)
class ProbedCall:
    thread: str
    loop_running: bool  # whether an event loop runs in the calling thread


@contextmanager
def probe(dotted: str) -> Iterator[list[ProbedCall]]:
    """Records each call of `dotted` made directly from an example's code while in effect."""
    owner, attr = _owner_and_attribute(dotted)
    original = getattr(owner, attr)
    replacement = _STAND_INS.get(dotted, original)
    calls: list[ProbedCall] = []

    def recorder(*args: object, **kwargs: object) -> object:
        if sys._getframe(1).f_code.co_filename.startswith(_EXAMPLE_FILE_PREFIX):
            calls.append(ProbedCall(threading.current_thread().name, _loop_running()))
        return replacement(*args, **kwargs)

    setattr(owner, attr, recorder)
    try:
        yield calls
    finally:
        setattr(owner, attr, original)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _owner_and_attribute(dotted: str) -> tuple[object, str]:
    """`"django.core.mail.EmailMessage.send"` -> (the EmailMessage class, "send")."""
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            owner: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:-1]:
            owner = getattr(owner, name)
        return owner, parts[-1]
    raise ValueError(f"cannot import {dotted}")
