"""ADJ408: database work through plain `sync_to_async` in a Channels consumer."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import argument, callee_name
from asyncdj_lint.analysis.project_calls import project_function
from asyncdj_lint.analysis.values import ORM_LAZY
from asyncdj_lint.diagnostics import Severity as FactSeverity
from asyncdj_lint.rules._receivers import method_owner
from asyncdj_lint.rules._request_path import request_path
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity

_PLAIN_BRIDGES = frozenset({"asgiref.sync.sync_to_async", "asgiref.sync.SyncToAsync"})
# Channels' consumers live in these modules; the generic ones build on channels.consumer.
_CONSUMER_MODULES = ("channels.consumer.", "channels.generic.")


class PlainSyncToAsyncInConsumer(Rule):
    code = "ADJ408"
    name = "plain-sync-to-async-in-consumer"
    stable_since = "0.2.0"
    severity = Severity.WARNING
    summary = (
        "A Channels consumer runs database work through `sync_to_async` instead of `database_sync_to_async`."
    )
    why = (
        "Django closes a request's database connections when the request finishes; a "
        "consumer is outside that cycle. `channels.db.database_sync_to_async` closes the "
        "thread's old and broken connections around each call, plain `asgiref` "
        "`sync_to_async` does not: every connection the consumer's database work opens stays "
        "open (and one the server dropped stays broken) until the database refuses new ones. "
        "Use `database_sync_to_async` for anything that queries in a consumer."
    )
    django_versions = "4.1 to 6.1"
    requires_text = (b"Consumer",)
    invalid = (
        Example(
            """\
import json

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from shop.models import Product


def product_name(pk):
    return Product.objects.get(pk=pk).name


class ProductConsumer(AsyncWebsocketConsumer):
    async def receive(self, text_data=None, bytes_data=None):
        name = await sync_to_async(product_name)(json.loads(text_data)["pk"])
        await self.send(text_data=json.dumps({"name": name}))
""",
            Outcome(connection_left_open=True),
            expected=(
                Expected(
                    "14:22-14:49",
                    "`sync_to_async(product_name)` runs database work (product_name() -> Product.objects.get() (snippet.py:9)) in a Channels consumer: plain sync_to_async never closes the thread's database connections, which outside Django's request cycle stay open until the database refuses new ones; use `channels.db.database_sync_to_async`",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from shop.models import Product


def product_name(pk):
    return Product.objects.get(pk=pk).name


class ProductConsumer(AsyncWebsocketConsumer):
    async def receive(self, text_data=None, bytes_data=None):
        name = await database_sync_to_async(product_name)(json.loads(text_data)["pk"])
        await self.send(text_data=json.dumps({"name": name}))
""",
            Outcome(connection_left_open=False),
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if (
            self.ctx.judging_helper
            or not isinstance(node.func, cst.Name)
            or node.func.value not in self.ctx.local_names(_PLAIN_BRIDGES)
        ):
            return
        wrapped = argument(node, 0, "func")
        if wrapped is None or callee_name(self.ctx, node) not in _PLAIN_BRIDGES or not self._in_consumer():
            return
        work = self._database_work(wrapped)
        if work is None:
            return
        self.report(
            node,
            f"`{self.ctx.snippet(node)}` runs database work ({work}) in a Channels consumer: plain sync_to_async "
            "never closes the thread's database connections, which outside Django's request cycle stay open "
            "until the database refuses new ones; use `channels.db.database_sync_to_async`",
        )

    def _database_work(self, wrapped: cst.BaseExpression) -> str | None:
        """What database work the wrapped callable does, as the message shows it; None when none is known."""
        if isinstance(wrapped, cst.Attribute) and isinstance(self.ctx.infer(wrapped.value), ORM_LAZY):
            return f"`{self.ctx.snippet(wrapped)}()`"
        value = self.ctx.infer(wrapped)
        ref = project_function(self.ctx.index, value)
        if ref is None or self.ctx.helpers is None or self.ctx.index.functions.call_kind(ref) != "sync":
            return None
        chain = self.ctx.helpers.chain_from(
            ref, getattr(value, "receiver", None), f"{self.ctx.snippet(wrapped)}()"
        )
        if chain is None or chain.fact.severity is not FactSeverity.ERROR:
            return None
        return chain.render()

    def _in_consumer(self) -> bool:
        """Whether the call is in a method of a module-level class that is a Channels consumer."""
        qualname = method_owner(self.ctx)
        return qualname is not None and any(
            name.startswith(_CONSUMER_MODULES) for name, _ in request_path(self.ctx).ancestors(qualname)
        )
