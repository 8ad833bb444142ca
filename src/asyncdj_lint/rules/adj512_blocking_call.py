"""ADJ512: a call that blocks on I/O (sleep, HTTP, subprocess, sockets, files) on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import argument, callee_name, keyword_argument
from asyncdj_lint.fixes import AddImport, Fix, FixAvailability, RemoveImport, Replace, Safety
from asyncdj_lint.rules._async_http import VERBS, async_client_fix
from asyncdj_lint.rules._fixes import await_call, can_await, importable
from asyncdj_lint.rules.base import RESPONDS_OK, Example, Expected, Outcome, Rule, Severity

_HTTPX = "an async HTTP client (`async with httpx.AsyncClient() as client: await client.get(...)`)"
_SUBPROCESS = "`await asyncio.create_subprocess_exec(...)`"

# Blocking callables by qualified name, with what to write instead.
# Local file I/O is brief: reported where async code calls it, not behind sync
# helpers (as Django's own file session backend does: `aload()` -> `load()` -> `open()`).
_DIRECT_ONLY = frozenset({"builtins.open"})

BLOCKING_CALLS = {
    "time.sleep": "`await asyncio.sleep(...)`",
    **{f"{client}.{verb}": _HTTPX for client in ("requests", "httpx") for verb in VERBS},
    "urllib3.request": _HTTPX,
    "urllib.request.urlopen": _HTTPX,
    "http.client.HTTPConnection": _HTTPX,
    "http.client.HTTPSConnection": _HTTPX,
    **{
        f"subprocess.{name}": _SUBPROCESS
        for name in ("run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput")
    },
    "os.system": "`await asyncio.create_subprocess_shell(...)`",
    "os.popen": "`await asyncio.create_subprocess_shell(...)`",
    "socket.create_connection": "`await asyncio.open_connection(...)`",
    "smtplib.SMTP": "`sync_to_async` around the whole SMTP exchange",
    "smtplib.SMTP_SSL": "`sync_to_async` around the whole SMTP exchange",
    "builtins.open": "file work inside `sync_to_async` (or `asyncio.to_thread`)",
    "io.open": "file work inside `sync_to_async` (or `asyncio.to_thread`)",
}


class BlockingCall(Rule):
    code = "ADJ512"
    name = "blocking-call"
    stable_since = "0.1.0"
    severity = Severity.WARNING
    summary = "A call that blocks on I/O runs on the event loop."
    why = (
        "While `time.sleep()`, an HTTP request made with `requests`, sync `httpx` or `urllib`, a "
        "subprocess, a socket connect or a file read runs on the event loop, no other "
        "request served by that loop makes progress. Django raises nothing: its guard "
        "watches database connections only. Use the asyncio equivalent, or move the call "
        "to a thread with `sync_to_async`. Add your project's own blocking callables by "
        "qualified name with `blocking-calls` in `[tool.asyncdj-lint]`. The message says how "
        "long the call can hold the loop, as far as the call shows it: a sleep's literal "
        "seconds, an HTTP or socket call's `timeout` (by keyword or position), httpx's default "
        "timeout, or that the call sets none."
    )
    django_versions = "all"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "`time.sleep(...)` is replaced by `await asyncio.sleep(...)`, importing `asyncio` (and dropping "
        "the import of `time` once unused): the fix is "
        "safe, the coroutine waits as long while the loop serves other requests. "
        "A request made with `requests` (`get()`, `post()`, `put()`, `patch()`, `delete()`, `head()`, "
        "`options()`, `request()`) or with httpx's sync functions is sent by httpx's async client "
        "instead, an unsafe fix: the statement moves into `async with httpx.AsyncClient() as client:` "
        "and awaits `client.get(...)`, so the client's connections are closed once the response is "
        "read (in full, before the `await` returns). A module-wide client is not written: it is bound "
        "to the event loop it first ran on, and under WSGI each async request runs on a new one. "
        "Requests are rewritten only where the project installs httpx to run (its dependencies in "
        "`pyproject.toml`, `setup.cfg`, `setup.py`, `Pipfile` or a requirements file not named for "
        "development or tests name it; an extra, a development group or a lock file alone do not) "
        "and only where httpx is told to send the same request: requests follows "
        "redirects (but for `head()`) and waits forever without a `timeout`, so the client gets "
        "`follow_redirects=True` and `timeout=None`; `allow_redirects=` becomes "
        "`follow_redirects=`, a bytes (or ASCII text) `data=` body becomes `content=`, `verify=False` "
        "moves to the client; `json=`, a numeric `timeout=`, a `(user, password)` `auth=` and "
        "`params=`, `data=` and `headers=` written as dicts of text (requests drops a `None` "
        "value and writes `True` where httpx writes `true`) are kept. The response may only be read "
        "through `status_code`, `json()`, `text`, `content`, `headers` and `raise_for_status()` (the "
        "latter only where redirects are followed: httpx also raises on a 3xx). Anything else "
        "leaves the call unfixed: `files=`, `stream=`, `cert=`, `proxies=`, `cookies=`, `hooks=`, a "
        "value the fix cannot see (`params=params`, `timeout=TIMEOUT`, which may be a tuple), a body "
        "sent with `get()`, `delete()`, `head()` or `options()` (httpx's take none), the "
        "response truth-tested, returned, passed on or read through `ok`, `iter_content()`, `url` "
        "and the like, a requests exception named in the function (httpx raises its own), two "
        "requests in one statement, or a statement sharing its line. What still differs: the "
        "`User-Agent` header, `text` decoded as UTF-8 where the response names no charset "
        "(requests guesses, or takes Latin-1 for `text/*`), at most 20 redirects instead of 30, a "
        "POST that a redirect turns into a GET keeping its `Content-Type` header (not its body), "
        "a numeric `timeout` bounding the upload and the wait for a connection too, settings "
        "requests alone reads from the environment (`REQUESTS_CA_BUNDLE`, `~/.netrc`), "
        "exceptions of httpx's classes, and JSON bodies written compactly. A sync httpx call keeps "
        "its arguments, those of the module-level function's own client (`cookies`, `proxy`, "
        "`verify`, `trust_env`) moving to `AsyncClient(...)`. aiohttp has no fix: its session and "
        "response are used in `async with` blocks of their own and read with `await`. The other "
        "blocking calls have no fix: their async replacements (asyncio subprocesses, a thread for "
        "file work) take code written by hand."
    )
    invalid = (
        Example(
            """\
import time

from django.http import HttpResponse


async def retry_later(request):
    time.sleep(0.01)
    return HttpResponse("done")
""",
            Outcome(runs_on_loop="time.sleep"),
            expected=(
                Expected(
                    "7:5-7:21",
                    "`time.sleep()` blocks the event loop for 0.01 s; use `await asyncio.sleep(...)`",
                ),
            ),
            fixed="""\
from django.http import HttpResponse
import asyncio


async def retry_later(request):
    await asyncio.sleep(0.01)
    return HttpResponse("done")
""",
        ),
        Example(
            """\
import requests

from django.http import JsonResponse


async def stock_level(request, pk):
    response = requests.get(
        f"https://warehouse.example.com/stock/{pk}",
        params={"fields": "level"},
        timeout=5,
    )
    response.raise_for_status()
    return JsonResponse(response.json())
""",
            Outcome(runs_on_loop="requests.get"),
            files=(("requirements.txt", "httpx>=0.27\nrequests>=2.31\n"),),
            expected=(
                Expected(
                    "7:16-11:6",
                    "`requests.get()` blocks the event loop until the server answers, up to `timeout=5`; use an async HTTP client (`async with httpx.AsyncClient() as client: await client.get(...)`)",
                ),
            ),
            fixed="""\
from django.http import JsonResponse
import httpx


async def stock_level(request, pk):
    async with httpx.AsyncClient(follow_redirects=True) as client:
        response = await client.get(
            f"https://warehouse.example.com/stock/{pk}",
            params={"fields": "level"},
            timeout=5,
        )
    response.raise_for_status()
    return JsonResponse(response.json())
""",
        ),
        Example(
            """\
from urllib.request import urlopen

from django.http import HttpResponse


async def notify_warehouse(request, pk):
    urlopen("https://warehouse.example.com/orders", data=f"order={pk}".encode())
    return HttpResponse("sent")
""",
            Outcome(runs_on_loop="urllib.request.urlopen"),
            expected=(
                Expected(
                    "7:5-7:81",
                    "`urllib.request.urlopen()` blocks the event loop until the server answers (the call sets no timeout); use an async HTTP client (`async with httpx.AsyncClient() as client: await client.get(...)`)",
                ),
            ),
        ),
        Example(
            """\
import subprocess

from django.http import HttpResponse


async def server_info(request):
    result = subprocess.run(["uname", "-a"], capture_output=True, check=True)
    return HttpResponse(result.stdout)
""",
            Outcome(runs_on_loop="subprocess.run"),
            expected=(
                Expected(
                    "7:14-7:78",
                    "`subprocess.run()` blocks the event loop until the process exits; use `await asyncio.create_subprocess_exec(...)`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
import asyncio

from django.http import HttpResponse


async def retry_later(request):
    await asyncio.sleep(0.01)
    return HttpResponse("done")
""",
            RESPONDS_OK,
        ),
        Example(
            """\
import asyncio

from django.http import HttpResponse


async def server_info(request):
    process = await asyncio.create_subprocess_exec("uname", "-a", stdout=asyncio.subprocess.PIPE)
    stdout, _ = await process.communicate()
    return HttpResponse(stdout)
""",
            RESPONDS_OK,
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop:
            return
        name = callee_name(self.ctx, node)
        if name is None:
            return
        if name in _DIRECT_ONLY and self.ctx.judging_helper:
            return
        if name in BLOCKING_CALLS:
            advice = BLOCKING_CALLS[name]
        elif name in self.ctx.options.blocking_calls:
            advice = "`await sync_to_async(...)(...)`"
        else:
            return
        shown = name.removeprefix("builtins.")
        self.report(
            node,
            f"`{shown}()` blocks the event loop {blocks_for(node, name)}; use {advice}",
            fix=self._fix(node, name),
        )

    def _fix(self, node: cst.Call, name: str) -> Fix | None:
        if name == "time.sleep":
            return self._sleep_fix(node)
        library, _, verb = name.partition(".")
        if library in ("requests", "httpx") and verb in VERBS:
            return async_client_fix(self.ctx, node, name)
        return None

    def _sleep_fix(self, node: cst.Call) -> Fix | None:
        """`time.sleep(s)` -> `await asyncio.sleep(s)`."""
        if not (can_await(self.ctx) and importable(self.ctx, "asyncio")):
            return None
        unused = RemoveImport("time", "sleep") if isinstance(node.func, cst.Name) else RemoveImport("time")
        edits = (
            *await_call(node, self.ctx.parent()),
            Replace(node.func, "asyncio.sleep"),
            AddImport("asyncio"),
            unused,
        )
        return Fix("Await `asyncio.sleep()`", Safety.SAFE, edits)


# Where the blocking network calls take `timeout` positionally.
_TIMEOUT_POSITIONS = {
    "urllib.request.urlopen": 2,
    "http.client.HTTPConnection": 2,
    "http.client.HTTPSConnection": 2,
    "socket.create_connection": 1,
    "smtplib.SMTP": 3,
    "smtplib.SMTP_SSL": 3,
}


def blocks_for(call: cst.Call, name: str) -> str:
    """How long a blocking call holds the loop, as far as its arguments tell."""
    if name == "time.sleep":
        seconds = argument(call, 0, "secs")
        if isinstance(seconds, (cst.Integer, cst.Float)):
            return f"for {seconds.value} s"
        return "for as long as it sleeps"
    if name.startswith(("requests.", "httpx.", "urllib", "http.client.", "socket.", "smtplib.")):
        position = _TIMEOUT_POSITIONS.get(name, -1)
        timeout = keyword_argument(call, "timeout") or (
            argument(call, position, "timeout") if position >= 0 else None
        )
        if timeout is not None:
            return f"until the server answers, up to `timeout={_source(timeout)}`"
        if name.startswith("httpx."):
            return "until the server answers, up to httpx's default timeout (5 s per network operation)"
        return "until the server answers (the call sets no timeout)"
    if name.startswith(("subprocess.", "os.")):
        return "until the process exits"
    return "until it returns"


def _source(expr: cst.BaseExpression) -> str:
    return cst.Module([]).code_for_node(expr)
