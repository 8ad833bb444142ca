"""Sync project functions reached from async code: what they do on the event loop, and why.

Each project function is summarised once per receiver: its body is checked
by the rules that judge code on the event loop (the ORM, relation and sync
API families), as if it ran there, which gives its local facts; the sync
project functions it calls directly are its edges. A breadth-first search
over those edges, across modules, finds the shortest chain from a call site
to a fact. It terminates on recursion (each function is visited once) and
prefers a chain that ends in an error over one that ends in a blocking call.

The rules that judge a body are not known here (rules sit above this layer):
the engine builds a `HelperJudge` from the selected rules and its own rule
runner, and hands it to the rules through `FileContext.helpers`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.project_calls import (
    bind_arguments,
    constructor,
    is_classmethod,
    is_generator,
    locate,
    project_function,
)
from asyncdj_lint.analysis.requests import is_request, is_request_attribute, passed_to_parameter
from asyncdj_lint.analysis.values import (
    Builtin,
    Function,
    Instance,
    QuerySet,
    Request,
    RequestAttribute,
    Value,
)
from asyncdj_lint.diagnostics import Severity
from asyncdj_lint.index.functions import FunctionRef
from asyncdj_lint.index.request_path.testing import is_test_module
from asyncdj_lint.syntax.positions import syntactic_positions
from asyncdj_lint.syntax.walk import FunctionBodyVisitor, Visitor, walk

if TYPE_CHECKING:
    from asyncdj_lint.analysis.project import Project
    from asyncdj_lint.options import LintOptions

# Builtins that iterate their argument before they return.
_CONSUMING_BUILTINS = frozenset(
    {"list", "tuple", "set", "frozenset", "dict", "sorted", "sum", "min", "max", "any", "all"}
)
# What a sync function's parameter is followed as when the caller passes it `request.<attr>`.
_REQUEST_ATTRIBUTES = ("user", "session")
# Decorators that make a method run when its attribute is read.
_PROPERTIES = frozenset({"property", "functools.cached_property", "django.utils.functional.cached_property"})
# How many functions one search may summarise before it gives up (stays silent).
_MAX_FUNCTIONS = 300


@dataclass(frozen=True)
class Fact:
    """Something a function body does that fails or blocks on the loop."""

    severity: Severity
    text: str  # `Customer.objects.get()`
    where: str  # `shop/pricing.py:14`
    # What the finding there says fails or blocks, and for how long (its message before the advice).
    detail: str = ""


# What a call binds the callee's parameters to, where that matters to the callee's facts:
# (parameter name, value) pairs, sorted.
Arguments = tuple[tuple[str, Value], ...]


@dataclass(frozen=True)
class Edge:
    callee: FunctionRef
    receiver: Value | None
    text: str  # the callee as written at the call: `customer_discount()`
    arguments: Arguments = ()


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


# What the engine injects: the rule objects that judge a body for one context, and the
# walk that runs rule objects over a node, reporting into the context.
RuleFactory = Callable[[FileContext], list[object]]
RuleRunner = Callable[[FileContext, cst.CSTNode, list[object]], None]
# (the function's qualified name, the value it is called on, what its parameters are bound to,
# whether test code calls it: then it runs under the test settings)
_Key = tuple[str, Value | None, Arguments, bool]


@dataclass
class HelperMemo:
    """What one session learnt about helper functions: summaries and shortest chains."""

    summaries: dict[_Key, HelperSummary] = field(default_factory=dict)
    # The chain's calls after the first, and its fact; None for a clean helper.
    chains: dict[_Key, tuple[tuple[str, ...], Fact] | None] = field(default_factory=dict)


class HelperJudge:
    """Judges sync project functions called from async code with the selected fact rules."""

    def __init__(
        self,
        project: Project,
        options: LintOptions,
        fact_rules: RuleFactory,
        run_rules: RuleRunner,
        memo: HelperMemo | None = None,
    ) -> None:
        self.project = project
        self.options = options
        self.fact_rules = fact_rules
        self.run_rules = run_rules
        self.memo = HelperMemo() if memo is None else memo

    def chain_from(
        self,
        ref: FunctionRef,
        receiver: Value | None,
        call_text: str,
        arguments: Arguments = (),
        *,
        caller: str | None = None,
    ) -> Chain | None:
        """The shortest chain from calling `ref` to a fact, errors first; None for a clean helper.

        `caller`: the module of the calling code; called from test code, the helper runs under
        the test settings (a cache that is local memory there does no I/O)."""
        runs_as = caller if caller is not None and is_test_module(caller) else None
        key = (ref.qualname, receiver, arguments, runs_as is not None)
        chains = self.memo.chains
        if key not in chains:
            chains[key] = self._search(ref, receiver, arguments, runs_as)
        found = chains[key]
        if found is None:
            return None
        calls, fact = found
        return Chain((call_text, *calls), fact)

    def _search(
        self, ref: FunctionRef, receiver: Value | None, arguments: Arguments, runs_as: str | None
    ) -> tuple[tuple[str, ...], Fact] | None:
        start = (ref.qualname, receiver, arguments)
        queue: deque[tuple[FunctionRef, Value | None, Arguments, tuple[str, ...]]] = deque(
            [(ref, receiver, arguments, ())]
        )
        seen = {start}
        blocking: tuple[tuple[str, ...], Fact] | None = None
        while queue and len(seen) <= _MAX_FUNCTIONS:
            current, bound, passed, path = queue.popleft()
            summary = self.summarize(current, bound, passed, runs_as=runs_as)
            for fact in summary.facts:
                if fact.severity is Severity.ERROR:
                    return path, fact
                blocking = blocking or (path, fact)
            for edge in summary.edges:
                node = (edge.callee.qualname, edge.receiver, edge.arguments)
                if node not in seen:
                    seen.add(node)
                    queue.append((edge.callee, edge.receiver, edge.arguments, (*path, edge.text)))
        return blocking

    def summarize(
        self,
        ref: FunctionRef,
        receiver: Value | None,
        arguments: Arguments = (),
        *,
        runs_as: str | None = None,
    ) -> HelperSummary:
        """The local facts and sync project callees of one function body, memoised.

        `runs_as`: the test module whose settings the body runs under (None: its own module's)."""
        key = (ref.qualname, receiver, arguments, runs_as is not None)
        summaries = self.memo.summaries
        if key not in summaries:
            summaries[key] = _EMPTY  # a function met again while summarising it adds nothing new
            summaries[key] = self._summarize(ref, receiver, arguments, runs_as)
        return summaries[key]

    def _summarize(
        self, ref: FunctionRef, receiver: Value | None, arguments: Arguments, runs_as: str | None
    ) -> HelperSummary:
        located = locate(self.project, ref, on_loop=True)
        if located is None:
            return _EMPTY
        parsed, scope, function = located
        ctx = FileContext(
            parsed.module,
            parsed.file.name,
            parsed.file.is_package,
            self.project,
            self.options,
            judging_helper=True,
            helpers=self,
            runs_as=runs_as,
        )
        if receiver is not None:
            ctx.inference.receivers[id(function)] = receiver
        if arguments:
            ctx.inference.arguments[id(function)] = dict(arguments)
        ctx.scope = scope
        outer = scope.parent  # the module, or the class of a method
        ctx.ancestors = [
            parsed.module,
            *([outer.node] if outer is not None and outer.parent else []),
            function,
        ]
        # Only a module that names get_running_loop() can hold such a probe: no walk otherwise.
        off_loop = _without_running_loop(function) if b"get_running_loop" in parsed.source else frozenset()
        collector = _SyncCalls(ctx, off_loop)
        self.run_rules(ctx, function.body, [*self.fact_rules(ctx), collector])
        reports = [report for report in ctx.reports if id(report.node) not in off_loop]
        if not reports:
            return HelperSummary((), tuple(collector.edges))
        positions = syntactic_positions(parsed.module)
        facts = tuple(
            Fact(
                report.severity,
                _fact_text(ctx, report.node),
                f"{parsed.file.display}:{positions[report.node].start.line}",
                report.message.split("; ", 1)[0],
            )
            for report in reports
            if report.node in positions
        )
        return HelperSummary(facts, tuple(collector.edges))


def _fact_text(ctx: FileContext, node: cst.CSTNode) -> str:
    """`Customer.objects.get()` for a call, else the node's source on one short line."""
    if isinstance(node, cst.Call):
        return f"{ctx.snippet(node.func)}()"
    return ctx.snippet(node)


def _without_running_loop(function: cst.FunctionDef) -> frozenset[int]:
    """Ids of the nodes that run only when no event loop is running in the thread: the
    `except RuntimeError:` handlers of a `try` that calls `asyncio.get_running_loop()`, which
    raises RuntimeError only there. Called on the loop, that code does not run."""
    finder = _RunningLoopChecks()
    walk(function.body, finder)
    return frozenset(finder.found)


class _RunningLoopChecks(FunctionBodyVisitor):
    def __init__(self) -> None:
        self.found: set[int] = set()

    def visit_Try(self, node: cst.Try) -> None:
        asks = _AsksRunningLoop()
        walk(node.body, asks)
        if not asks.found:
            return
        for handler in node.handlers:
            if _catches_runtime_error(handler.type):
                collect = _AllNodes()
                walk(handler.body, collect)
                self.found |= collect.ids


def _catches_runtime_error(caught: cst.BaseExpression | None) -> bool:
    if isinstance(caught, cst.Tuple):
        return any(_catches_runtime_error(element.value) for element in caught.elements)
    return isinstance(caught, cst.Name) and caught.value == "RuntimeError"


class _AsksRunningLoop(FunctionBodyVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        self.found = self.found or name == "get_running_loop"


class _AllNodes(Visitor):
    def __init__(self) -> None:
        self.ids: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.ids.add(id(node))
        return super().on_visit(node)


class _SyncCalls:
    """Collects the calls a body makes, on the loop, to sync project functions (not those in
    code that runs only without a running loop)."""

    def __init__(self, ctx: FileContext, off_loop: frozenset[int] = frozenset()) -> None:
        self.ctx = ctx
        self.off_loop = off_loop
        self.edges: list[Edge] = []

    def visit_Call(self, node: cst.Call) -> None:
        if id(node) in self.off_loop:
            return
        called = called_here(self.ctx, node)
        if called is not None:
            ref, receiver, arguments = called
            self.edges.append(Edge(ref, receiver, f"{self.ctx.snippet(node.func)}()", arguments))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if id(node) in self.off_loop:
            return
        read = read_here(self.ctx, node)
        if read is not None:
            ref, receiver = read
            self.edges.append(Edge(ref, receiver, self.ctx.snippet(node)))


def called_here(ctx: FileContext, call: cst.Call) -> tuple[FunctionRef, Value | None, Arguments] | None:
    """The sync project function a call on the event loop runs there, with its receiver and
    what it binds the function's parameters to.

    A generator function's body runs only when the generator is iterated, so
    calling one counts only where it is iterated at once (a sync `for`, a
    comprehension, `list()` and the like).
    """
    if not ctx.on_loop:
        return None
    callee = ctx.infer(call.func)
    ref = project_function(ctx.index, callee)
    receiver = callee.receiver if isinstance(callee, Function) else None
    if ref is None:
        # `Form(request.POST)`, `Thing(...)`: constructing a project class runs its `__init__`.
        built = constructor(ctx.index, callee)
        if built is None:
            return None
        ref, receiver = built
    if ctx.index.functions.call_kind(ref) != "sync":
        return None
    if is_generator(ctx.project, ref) and not _iterated_at_once(ctx, call):
        return None
    return ref, receiver, _arguments(ctx, call, ref, receiver)


def read_here(ctx: FileContext, node: cst.Attribute) -> tuple[FunctionRef, Value] | None:
    """The sync `@property` (or `cached_property`) of a project class that reading `node` on
    the event loop runs there, with the object it is read on."""
    if not ctx.on_loop:
        return None
    parent = ctx.parent()
    if isinstance(parent, cst.Call) and parent.func is node:
        return None  # a call: `called_here` follows it
    if isinstance(parent, (cst.AssignTarget, cst.Del, cst.AugAssign)):
        return None  # a setter or deleter, not the getter
    if node.attr.value not in _property_names(ctx):
        return None  # most reads: no project class has a property of that name
    value = ctx.infer(node)
    receiver = value.receiver if isinstance(value, Function) else None
    ref = project_function(ctx.index, value)
    if ref is None or receiver is None or ref.decl.is_async:
        return None
    resolved = {ctx.index.resolve(ref.module, name) or name for name in ref.decl.decorators}
    return (ref, receiver) if resolved & _PROPERTIES else None


def _property_names(ctx: FileContext) -> frozenset[str]:
    """Names of the methods of project classes decorated as a property, memoised per session."""
    memo = ctx.inference.memo
    if memo.property_names is None:
        index = ctx.index
        # Only modules whose text says `property` are read for this, with `ast` unless summarised.
        memo.property_names = frozenset(
            decl.name
            for module in index.modules
            if index.mentions(module, "property")
            for decl in index.functions_of(module).values()
            if decl.owner is not None
            and any(name.rsplit(".", 1)[-1] in ("property", "cached_property") for name in decl.decorators)
        )
    return memo.property_names


def _arguments(ctx: FileContext, call: cst.Call, ref: FunctionRef, receiver: Value | None) -> Arguments:
    """The callee's parameters the call binds to the request, `request.user`/`request.session`,
    or a value the analysis knows (an instance and what its query loaded, a QuerySet)."""
    located = locate(ctx.project, ref)
    if located is None or not call.args:
        return ()
    bound = bind_arguments(
        located[2],
        call,
        # `self` or `cls`, bound by the receiver (or by Python, for a classmethod read off its class)
        skips_first=receiver is not None or is_classmethod(ref),
        value_of=lambda expr: _argument_value(ctx, expr),
    )
    return tuple(sorted(bound.items()))


def _argument_value(ctx: FileContext, expr: cst.BaseExpression) -> Value | None:
    if is_request(ctx, expr):
        return _request_value(ctx, expr)
    for attr in _REQUEST_ATTRIBUTES:
        if is_request_attribute(ctx, expr, attr):
            return RequestAttribute(attr)
    value = ctx.infer(expr)
    return value if isinstance(value, (Instance, QuerySet)) else None


def _request_value(ctx: FileContext, expr: cst.BaseExpression) -> Request:
    """The request as the callee receives it: passed on from a caller's parameter, or from the
    async function that has it, noting whether that function loaded the session already."""
    if isinstance(expr, cst.Name):
        passed = passed_to_parameter(ctx, ctx.scope, expr.value)
        if isinstance(passed, Request):
            return passed
    function = ctx.scope.function
    if function is None or not isinstance(function.node, cst.FunctionDef):
        return Request()
    finder = _SessionLoads()
    walk(function.node.body, finder)
    return Request(session_loaded=finder.found)


class _SessionLoads(FunctionBodyVisitor):
    """Whether a function awaits something that loads the request's session: `request.auser()`,
    `request.session.aget()` and the other session `a*` methods."""

    def __init__(self) -> None:
        self.found = False

    def visit_Await(self, node: cst.Await) -> None:
        call = node.expression
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return
        name, owner = call.func.attr.value, call.func.value
        if name == "auser" or (
            name.startswith("a") and isinstance(owner, cst.Attribute) and owner.attr.value == "session"
        ):
            self.found = True


def _iterated_at_once(ctx: FileContext, call: cst.Call) -> bool:
    parent, grandparent = ctx.parent(), ctx.parent(2)
    if isinstance(parent, (cst.For, cst.CompFor)):
        return parent.iter is call and parent.asynchronous is None
    if isinstance(parent, cst.Arg) and isinstance(grandparent, cst.Call) and parent.value is call:
        consumer = ctx.infer(grandparent.func)
        return isinstance(consumer, Builtin) and consumer.name in _CONSUMING_BUILTINS
    return False
