"""Shared pieces of the sync helper rules (ADJ3xx)."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.helpers import Chain, Fact, called_here, read_here
from asyncdj_lint.analysis.values import Instance
from asyncdj_lint.diagnostics import Severity
from asyncdj_lint.facts import orm_api
from asyncdj_lint.fixes import Fix
from asyncdj_lint.rules._fixes import bridge_fix


def helper_chain(ctx: FileContext, call: cst.Call, severity: Severity) -> Chain | None:
    """For a call on the event loop to a sync project function: the chain to what fails
    (ERROR) or blocks (WARNING) there, when that is what the helper does."""
    called = called_here(ctx, call)
    if called is None or ctx.helpers is None:
        return None
    ref, receiver, arguments = called
    if isinstance(receiver, Instance) and ref.decl.name in orm_api.INSTANCE_BLOCKING_METHODS:
        return None  # an overridden save()/delete(): ADJ103 reports the call itself
    chain = ctx.helpers.chain_from(
        ref, receiver, f"{ctx.snippet(call.func)}()", arguments, caller=ctx.module_name
    )
    return chain if chain is not None and chain.fact.severity is severity else None


def property_chain(ctx: FileContext, node: cst.Attribute, severity: Severity) -> Chain | None:
    """For a read on the event loop of a sync `@property` of a project class: the chain to what
    fails (ERROR) or blocks (WARNING) in its getter."""
    read = read_here(ctx, node)
    if read is None or ctx.helpers is None:
        return None
    ref, receiver = read
    chain = ctx.helpers.chain_from(ref, receiver, ctx.snippet(node), caller=ctx.module_name)
    return chain if chain is not None and chain.fact.severity is severity else None


def read_advice(ctx: FileContext, node: cst.Attribute) -> str:
    return f"`await sync_to_async(lambda: {ctx.snippet(node)})()`"


def wrap_advice(ctx: FileContext, call: cst.Call) -> str:
    return f"`await sync_to_async({ctx.snippet(call.func)})(...)`"


class ChainReports:
    """What ADJ301 and ADJ302 share: a call to a sync project function, or a read of a sync
    property, on the loop is reported with the chain to what fails (or blocks) behind it."""

    ctx: FileContext
    code: ClassVar[str]
    severity: ClassVar[Severity]

    def what_fails(self, fact: Fact) -> str:
        raise NotImplementedError

    def visit_Call(self, node: cst.Call) -> None:
        chain = helper_chain(self.ctx, node, self.severity)
        if chain is not None:
            self._report_chain(node, chain, wrap_advice(self.ctx, node), bridge_fix(self.ctx, node))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        chain = property_chain(self.ctx, node, self.severity)
        if chain is not None:
            self._report_chain(node, chain, read_advice(self.ctx, node), None)

    def _report_chain(self, node: cst.CSTNode, chain: Chain, advice: str, fix: Fix | None) -> None:
        self.ctx.report(
            self.code,
            self.severity,
            node,
            f"{self.what_fails(chain.fact)}, reached from `{chain.calls[0]}` on the event loop: "
            f"{chain.render()}; use {advice}",
            fix,
        )
