"""Sync project functions reached from async code: what they do on the event loop, and why.

Each project function is summarised once per receiver: its body is checked
by the rules that judge code on the event loop (the ORM, relation and sync
API families), as if it ran there, which gives its local facts; the sync
project functions it calls directly are its edges. A breadth-first search
over those edges, across modules, finds the shortest chain from a call site
to a fact. It terminates on recursion (each function is visited once) and
prefers a chain that ends in an error over one that ends in a blocking call.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.project_calls import is_generator, locate, project_function
from asyncdj_lint.analysis.values import Builtin
from asyncdj_lint.index.functions import FunctionRef
from asyncdj_lint.rules.base import Severity

if TYPE_CHECKING:
    from asyncdj_lint.index.project import ProjectIndex
    from asyncdj_lint.options import LintOptions
    from asyncdj_lint.rules.base import Rule

# Families whose findings are facts about a sync body run on the loop.
_FACT_FAMILIES = ("ADJ1", "ADJ2", "ADJ5")
# Rules of those families that judge async constructs, or code that fails in any context.
_NOT_FACTS = frozenset({"ADJ104", "ADJ105", "ADJ106", "ADJ107", "ADJ511"})
# Builtins that iterate their argument before they return.
_CONSUMING_BUILTINS = frozenset(
    {"list", "tuple", "set", "frozenset", "dict", "sorted", "sum", "min", "max", "any", "all"}
)
# How many functions one search may summarise before it gives up (stays silent).
_MAX_FUNCTIONS = 300


@dataclass(frozen=True)
class Fact:
    """Something a function body does that fails or blocks on the loop."""

    severity: Severity
    text: str  # `Customer.objects.get()`
    where: str  # `shop/pricing.py:14`


@dataclass(frozen=True)
class Edge:
    callee: FunctionRef
    receiver: object
    text: str  # the callee as written at the call: `customer_discount()`


@dataclass(frozen=True)
class HelperSummary:
    facts: tuple[Fact, ...]
    edges: tuple[Edge, ...]


_EMPTY = HelperSummary((), ())


@dataclass(frozen=True)
class Chain:
    """Call texts from the first callee to the fact, and the fact."""

    calls: tuple[str, ...]
    fact: Fact

    def render(self) -> str:
        return " -> ".join((*self.calls, f"{self.fact.text} ({self.fact.where})"))


def fact_rules(rules: tuple[type[Rule], ...]) -> list[type[Rule]]:
    return [
        rule
        for rule in rules
        if rule.code.startswith(_FACT_FAMILIES)
        and rule.code not in _NOT_FACTS
        and rule.severity is not Severity.ADVISORY
    ]


def chain_from(
    index: ProjectIndex, options: LintOptions, ref: FunctionRef, receiver: object, call_text: str
) -> Chain | None:
    """The shortest chain from calling `ref` to a fact, errors first; None for a clean helper."""
    key = ("chain", ref.qualname, receiver)
    memo = index.functions.memo
    if key not in memo:
        memo[key] = _search(index, options, ref, receiver)
    found = memo[key]
    if found is None:
        return None
    calls, fact = found
    return Chain((call_text, *calls), fact)


def _search(index: ProjectIndex, options: LintOptions, ref: FunctionRef, receiver: object):
    start = (ref.qualname, receiver)
    queue = deque([(ref, receiver, ())])
    seen = {start}
    blocking = None
    while queue and len(seen) <= _MAX_FUNCTIONS:
        current, bound, path = queue.popleft()
        summary = summarize(index, options, current, bound)
        for fact in summary.facts:
            if fact.severity is Severity.ERROR:
                return path, fact
            blocking = blocking or (path, fact)
        for edge in summary.edges:
            node = (edge.callee.qualname, edge.receiver)
            if node not in seen:
                seen.add(node)
                queue.append((edge.callee, edge.receiver, (*path, edge.text)))
    return blocking


def summarize(index: ProjectIndex, options: LintOptions, ref: FunctionRef, receiver: object) -> HelperSummary:
    """The local facts and sync project callees of one function body, memoised."""
    key = ("helper", ref.qualname, receiver)
    memo = index.functions.memo
    if key not in memo:
        memo[key] = _EMPTY  # a function met again while summarising it adds nothing new
        memo[key] = _summarize(index, options, ref, receiver)
    return memo[key]


def _summarize(
    index: ProjectIndex, options: LintOptions, ref: FunctionRef, receiver: object
) -> HelperSummary:
    from asyncdj_lint import engine
    from asyncdj_lint.rules import all_rules

    located = locate(index, ref, on_loop=True)
    if located is None:
        return _EMPTY
    parsed, scope = located
    ctx = FileContext(
        parsed.module, parsed.file.name, parsed.file.is_package, index, options, judging_helper=True
    )
    if receiver is not None:
        ctx.inference.receivers[id(scope.node)] = receiver
    ctx.scope = scope
    ctx.ancestors = [parsed.module, *([scope.parent.node] if scope.parent.parent else []), scope.node]
    collector = _SyncCalls(ctx)
    rules = [rule(ctx) for rule in fact_rules(all_rules())]
    engine.run_rules(ctx, scope.node.body, [*rules, collector])
    if not ctx.reports:
        return HelperSummary((), tuple(collector.edges))
    positions = MetadataWrapper(parsed.module, unsafe_skip_copy=True).resolve(PositionProvider)
    facts = tuple(
        Fact(
            report.severity,
            _fact_text(ctx, report.node),
            f"{parsed.file.display}:{positions[report.node].start.line}",
        )
        for report in ctx.reports
        if report.node in positions
    )
    return HelperSummary(facts, tuple(collector.edges))


def _fact_text(ctx: FileContext, node: cst.CSTNode) -> str:
    """`Customer.objects.get()` for a call, else the node's source on one short line."""
    if isinstance(node, cst.Call):
        return f"{ctx.snippet(node.func)}()"
    return ctx.snippet(node)


class _SyncCalls:
    """Collects the calls a body makes, on the loop, to sync project functions."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.edges: list[Edge] = []

    def visit_Call(self, node: cst.Call) -> None:
        called = called_here(self.ctx, node)
        if called is not None:
            ref, receiver = called
            self.edges.append(Edge(ref, receiver, f"{self.ctx.snippet(node.func)}()"))


def called_here(ctx: FileContext, call: cst.Call) -> tuple[FunctionRef, object] | None:
    """The sync project function a call on the event loop runs there, with its receiver.

    A generator function's body runs only when the generator is iterated, so
    calling one counts only where it is iterated at once (a sync `for`, a
    comprehension, `list()` and the like).
    """
    if not ctx.on_loop:
        return None
    callee = ctx.infer(call.func)
    ref = project_function(ctx.index, callee)
    if ref is None or ctx.index.functions.call_kind(ref) != "sync":
        return None
    if is_generator(ctx.index, ref) and not _iterated_at_once(ctx, call):
        return None
    return ref, getattr(callee, "receiver", None)


def _iterated_at_once(ctx: FileContext, call: cst.Call) -> bool:
    parent, grandparent = ctx.parent(), ctx.parent(2)
    if isinstance(parent, (cst.For, cst.CompFor)):
        return parent.iter is call and parent.asynchronous is None
    if isinstance(parent, cst.Arg) and isinstance(grandparent, cst.Call) and parent.value is call:
        consumer = ctx.infer(grandparent.func)
        return isinstance(consumer, Builtin) and consumer.name in _CONSUMING_BUILTINS
    return False
