"""ADJ511: StreamingHttpResponse given a sync iterator in async code."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import argument, bound_values, callee_name, defined_function
from asyncdj_lint.analysis.scopes import Scope
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.rules.base import RESPONDS_OK, Example, Expected, Outcome, Rule, Severity
from asyncdj_lint.syntax.walk import children

STREAMING_RESPONSES = frozenset(
    {"django.http.StreamingHttpResponse", "django.http.response.StreamingHttpResponse"}
)


class SyncStreamingIterator(Rule):
    code = "ADJ511"
    name = "sync-streaming-iterator"
    stable_since = "0.1.0"
    severity = Severity.WARNING
    summary = "An async view streams a sync generator with `StreamingHttpResponse`."
    why = (
        "Under ASGI, Django serves a `StreamingHttpResponse` asynchronously. Given a sync "
        "generator, it warns `StreamingHttpResponse must "
        "consume synchronous iterators in order to serve them asynchronously` and reads "
        "the whole iterator in a thread before it sends a byte: nothing streams, and the "
        "content sits in memory. Since Django 4.2 it accepts async iterators: pass an async "
        "generator. (Django 4.1 iterated sync content on the event loop itself.)"
    )
    django_versions = "4.2 to 6.1"
    invalid = (
        Example(
            """\
from django.http import StreamingHttpResponse


def rows():
    for number in range(3):
        yield f"{number}\\n"


async def export(request):
    return StreamingHttpResponse(rows())
""",
            Outcome(
                warning="Warning", warning_message="StreamingHttpResponse must consume synchronous iterators"
            ),
            expected=(
                Expected(
                    "10:12-10:41",
                    "`StreamingHttpResponse` gets a sync generator in async code: Django warns and reads it whole in a thread before sending, so nothing streams; pass an async generator (`async def ...: yield ...`)",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.http import StreamingHttpResponse


async def rows():
    for number in range(3):
        yield f"{number}\\n"


async def export(request):
    return StreamingHttpResponse(rows())
""",
            RESPONDS_OK,
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop or callee_name(self.ctx, node) not in STREAMING_RESPONSES:
            return
        content = argument(node, 0, "streaming_content")
        if content is None or not self._is_sync_iterable(content):
            return
        advice = api.advise(
            self.ctx.options,
            api.ASYNC_STREAMING_SINCE,
            "pass an async generator (`async def ...: yield ...`)",
            "serve the stream from a sync view",
        )
        self.report(
            node,
            "`StreamingHttpResponse` gets a sync generator in async code: Django warns and reads it whole "
            f"in a thread before sending, so nothing streams; {advice}",
        )

    def _is_sync_iterable(self, expr: cst.BaseExpression) -> bool:
        values = bound_values(self.ctx, expr)
        return bool(values) and all(self._is_sync_iterable_value(value, scope) for value, scope in values)

    def _is_sync_iterable_value(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        # Only generators: content already in a list gains nothing from streaming, and
        # code for Django < 4.2 (no async iterators) wraps such lists in iter().
        if isinstance(expr, cst.GeneratorExp):
            return expr.for_in.asynchronous is None
        return isinstance(expr, cst.Call) and _is_sync_generator(defined_function(expr.func, scope))


def _is_sync_generator(function: cst.FunctionDef | None) -> bool:
    """A `def` (not `async def`) whose own body, outside nested scopes, yields."""
    if function is None or function.asynchronous is not None:
        return False
    pending = list(children(function.body))
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Yield):
            return True
        if not isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            pending.extend(children(node))
    return False
