"""Serve a rule example through real Django and check it does what its Outcome says.

An example (`asyncdj_lint.rules.base.Example`) is the source of a small module.
The harness runs it the way an ASGI server would run a project: the module is
exec'd fresh, its last top-level function or class is routed by a one-path
URLconf (or installed as the only middleware), and one GET, logged in as the
seeded user with a database session, goes through `AsyncClient` inside a
`ThreadSensitiveContext`, streaming content consumed
asynchronously, as `ASGIHandler` does. It records the exception that escapes,
every warning emitted and the status code.

`shop` is imported inside functions: its models load only once a `runtime`
test has set Django up (tests/conftest.py).
"""

from __future__ import annotations

import ast
import asyncio
import gc
import inspect
import itertools
import linecache
import logging
import sys
import traceback
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import aclosing, contextmanager, nullcontext
from dataclasses import dataclass, field

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.db import connections
from django.http import HttpResponse
from django.test import AsyncClient, override_settings
from django.urls import URLPattern, path

from asyncdj_lint.rules.base import Example, Outcome
from tests.runtime.loop_probe import ProbedCall, offline, probe

_module_numbers = itertools.count()


@dataclass(frozen=True)
class ServedError:
    exception: str  # dotted path of the class, as Outcome.exception
    message: str
    traceback: str

    @classmethod
    def from_exception(cls, exc: BaseException) -> ServedError:
        kind = type(exc)
        return cls(
            f"{kind.__module__}.{kind.__qualname__}", str(exc), "".join(traceback.format_exception(exc))
        )


@dataclass(frozen=True)
class ServedWarning:
    category: str  # class name, as Outcome.warning
    message: str


@dataclass(frozen=True)
class ServedResult:
    status: int | None  # None when an exception escaped
    error: ServedError | None
    warnings: tuple[ServedWarning, ...]
    logs: tuple[str, ...] = ()  # what `django.request` logged (settings examples only)
    # Channels consumer examples only: whether sync_to_async's thread kept a database connection open.
    connection_open: bool | None = None


@dataclass(frozen=True)
class _Site:
    """What the example is served with: the URL to GET, its one pattern, and MIDDLEWARE if replaced."""

    url: str
    pattern: URLPattern
    settings: dict[str, object] = field(default_factory=dict)


SiteBuilder = Callable[[types.ModuleType, str], _Site]


def serve(example: Example) -> ServedResult:
    """Serve the example's last top-level function (a view) or class (a class-based view)."""
    return _serve(example.code, _view_site)


def serve_middleware(example: Example) -> ServedResult:
    """Install the example's last top-level class or function as the only middleware, before a 200 view."""
    return _serve(example.code, _middleware_site)


def serve_example(example: Example) -> ServedResult:
    """Serve the example as middleware when it defines one, else as a view (or as settings)."""
    if example.is_settings:
        from tests.runtime.settings_site import serve_settings

        return serve_settings(example)
    from tests.runtime.consumer_site import is_consumer, serve_consumer

    if is_consumer(example.code):
        return serve_consumer(example)
    with _example_caches(example):
        return _serve(example.code, _site_for)


@contextmanager
def _example_caches(example: Example) -> Iterator[None]:
    """The CACHES of a `settings.py` among the example's files, with a DatabaseCache's table made."""
    source = dict(example.files).get("settings.py")
    if source is None:
        yield
        return
    settings = types.ModuleType("asyncdj_example_settings")
    exec(compile(source, "settings.py", "exec"), settings.__dict__)  # noqa: S102 - the example's own text
    caches = getattr(settings, "CACHES", None)
    if caches is None:
        yield
        return
    from django.core.management import call_command

    with override_settings(CACHES=caches):
        call_command("createcachetable", verbosity=0)
        yield


def assert_outcome(example: Example) -> None:
    """Serve the example and assert that Django does exactly what `example.outcome` says."""
    assert example.outcome is not None, "outcome=None: the example cannot be served"
    blocking = example.outcome.runs_on_loop
    with probe(blocking) if blocking else nullcontext([]) as calls:
        result = serve_example(example)
    _assert_exception(result, example.outcome)
    _assert_warnings(result, example.outcome)
    assert example.outcome.log in "\n".join(result.logs), (
        f"expected {example.outcome.log!r} logged, got {result.logs}"
    )
    if blocking:
        _assert_ran_on_loop(blocking, calls)
    if result.connection_open is not None or example.outcome.connection_left_open is not None:
        assert result.connection_open == example.outcome.connection_left_open, (
            f"expected the worker thread's connection left open: {example.outcome.connection_left_open}"
        )


def _assert_exception(result: ServedResult, expected: Outcome) -> None:
    error = result.error
    if expected.exception is None:
        assert error is None, f"expected no exception, got:\n{error.traceback}"
        assert result.status == 200, f"expected status 200, got {result.status}"
        return
    assert error is not None, f"expected {expected.exception}, got no exception (status {result.status})"
    assert error.exception == expected.exception, f"expected {expected.exception}, got:\n{error.traceback}"
    assert expected.message in error.message, (
        f"expected {expected.message!r} in the message, got:\n{error.traceback}"
    )


def _assert_ran_on_loop(blocking: str, calls: list[ProbedCall]) -> None:
    assert calls, f"expected the example to call {blocking}, it did not"
    assert all(call.loop_running for call in calls), f"expected {blocking} on the loop's thread, got {calls}"


def _assert_warnings(result: ServedResult, expected: Outcome) -> None:
    if expected.warning is None:
        assert not result.warnings, f"expected no warning, got {result.warnings}"
        return
    assert result.warnings, f"expected {expected.warning} {expected.warning_message!r}, got no warning"
    for got in result.warnings:
        assert got.category == expected.warning and expected.warning_message in got.message, (
            f"expected only {expected.warning} {expected.warning_message!r}, got {result.warnings}"
        )


def _serve(code: str, site_for: SiteBuilder) -> ServedResult:
    from shop.seed import reseed

    name = _served_name(code)
    reseed()  # examples may write; each starts from the same rows
    with warnings.catch_warnings(record=True) as caught, _request_log_muted():
        warnings.simplefilter("always")
        with offline():
            status, error = _run(code, name, site_for)
        # A coroutine that was never awaited warns when it is finalized; it may
        # sit in a reference cycle (a traceback's frames) until collected.
        gc.collect()
    return ServedResult(
        status, error, tuple(ServedWarning(w.category.__name__, str(w.message)) for w in caught)
    )


def _run(code: str, name: str, site_for: SiteBuilder) -> tuple[int | None, ServedError | None]:
    with _fresh_modules() as (example, urlconf):
        # Everything from exec to the response counts: as_view() itself can raise (mixed CBV handlers).
        try:
            _exec(code, example)
            site = site_for(example, name)
            urlconf.urlpatterns = [site.pattern]
            with override_settings(ROOT_URLCONF=urlconf.__name__, **site.settings):
                return asyncio.run(_get(site.url)), None
        except Exception as exc:  # noqa: BLE001 - whatever escapes is the outcome under test
            return None, ServedError.from_exception(exc)


@contextmanager
def _request_log_muted() -> Iterator[None]:
    """Keep Django from logging the view's exception: the harness records it itself, and
    pytest's log capture would keep the logged traceback, whose frames keep an unawaited
    coroutine alive past the warning check."""
    logger = logging.getLogger("django.request")
    was_disabled, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = was_disabled


async def _get(url: str) -> int:
    """One GET as ASGIHandler serves it: per-request sync thread, streaming content read via __aiter__."""
    from django.contrib.auth.models import User
    from shop.seed import SEED_USERNAME

    client = AsyncClient()
    async with ThreadSensitiveContext():
        try:
            # A logged-in user makes request.user and request.session query, as in production.
            user = await User.objects.aget(username=SEED_USERNAME)
            if hasattr(client, "aforce_login"):
                await client.aforce_login(user)
            else:  # Django 4.2 (the version-limited examples' CI step): no async login yet
                await sync_to_async(client.force_login)(user)
            response = await client.get(url)
            if response.streaming:
                async with aclosing(aiter(response)) as content:
                    async for _ in content:
                        pass
        finally:
            # A server closes the request thread's connections when the request
            # finishes; AsyncClient leaves them open (Python 3.13 warns on those).
            await sync_to_async(connections.close_all)()
    return response.status_code


def _served_name(code: str) -> str:
    """The name of the last top-level function or class: what the example serves."""
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    names = [node.name for node in ast.parse(code).body if isinstance(node, definitions)]
    if not names:
        raise ValueError(f"the example defines no top-level function or class:\n{code}")
    return names[-1]


@contextmanager
def _fresh_modules() -> Iterator[tuple[types.ModuleType, types.ModuleType]]:
    """An empty example module and URLconf module, importable by dotted path while in use."""
    name = f"asyncdj_example_{next(_module_numbers)}"
    modules = (types.ModuleType(name), types.ModuleType(f"{name}_urls"))
    for module in modules:
        sys.modules[module.__name__] = module
    try:
        yield modules
    finally:
        for module in modules:
            del sys.modules[module.__name__]
        linecache.cache.pop(_filename(modules[0]), None)


def _exec(code: str, module: types.ModuleType) -> None:
    filename = _filename(module)
    # Lets tracebacks (and inspect) quote the example's lines.
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    exec(compile(code, filename, "exec"), module.__dict__)  # noqa: S102 - serving the example is the point


def _filename(module: types.ModuleType) -> str:
    return f"<{module.__name__}>"


def _site_for(module: types.ModuleType, name: str) -> _Site:
    builder = _middleware_site if _is_middleware(getattr(module, name)) else _view_site
    return builder(module, name)


def _view_site(module: types.ModuleType, name: str) -> _Site:
    from shop.seed import SEED_PK

    target = getattr(module, name)
    view = target.as_view() if isinstance(target, type) else target
    if _takes_pk(target):
        return _Site(f"/{SEED_PK}/", path("<int:pk>/", view))
    return _Site("/", path("", view))


def _middleware_site(module: types.ModuleType, name: str) -> _Site:
    return _Site("/", path("", _respond_ok), {"MIDDLEWARE": [f"{module.__name__}.{name}"]})


async def _respond_ok(request):
    return HttpResponse("ok")


def _is_middleware(target: object) -> bool:
    """Django's convention: a middleware factory (function, or class via __init__) takes `get_response`."""
    return "get_response" in _parameter_names(target)


def _takes_pk(target: object) -> bool:
    if isinstance(target, type):
        # SingleObjectMixin views (DetailView...) read self.kwargs["pk"] without naming it.
        return hasattr(target, "pk_url_kwarg") or "pk" in _parameter_names(getattr(target, "get", None))
    return "pk" in _parameter_names(target)


def _parameter_names(func: object) -> set[str]:
    return set(inspect.signature(func).parameters) if callable(func) else set()
