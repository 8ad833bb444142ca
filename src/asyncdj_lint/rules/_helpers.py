"""Shared pieces of the sync helper rules (ADJ3xx)."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.helpers import Chain, called_here, read_here
from asyncdj_lint.analysis.values import Instance
from asyncdj_lint.diagnostics import Severity
from asyncdj_lint.facts import orm_api


def helper_chain(ctx: FileContext, call: cst.Call, severity: Severity) -> Chain | None:
    """For a call on the event loop to a sync project function: the chain to what fails
    (ERROR) or blocks (WARNING) there, when that is what the helper does."""
    called = called_here(ctx, call)
    if called is None or ctx.helpers is None:
        return None
    ref, receiver, arguments = called
    if isinstance(receiver, Instance) and ref.decl.name in orm_api.INSTANCE_BLOCKING_METHODS:
        return None  # an overridden save()/delete(): ADJ103 reports the call itself
    chain = ctx.helpers.chain_from(ref, receiver, f"{ctx.snippet(call.func)}()", arguments)
    return chain if chain is not None and chain.fact.severity is severity else None


def property_chain(ctx: FileContext, node: cst.Attribute, severity: Severity) -> Chain | None:
    """For a read on the event loop of a sync `@property` of a project class: the chain to what
    fails (ERROR) or blocks (WARNING) in its getter."""
    read = read_here(ctx, node)
    if read is None or ctx.helpers is None:
        return None
    ref, receiver = read
    chain = ctx.helpers.chain_from(ref, receiver, ctx.snippet(node))
    return chain if chain is not None and chain.fact.severity is severity else None


def read_advice(ctx: FileContext, node: cst.Attribute) -> str:
    return f"`await sync_to_async(lambda: {ctx.snippet(node)})()`"


def wrap_advice(ctx: FileContext, call: cst.Call) -> str:
    return f"`await sync_to_async({ctx.snippet(call.func)})(...)`"
