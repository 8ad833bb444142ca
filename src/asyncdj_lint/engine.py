"""Runs every enabled rule over one parsed file in a single tree walk."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import cast

import libcst as cst
from libcst.metadata import CodeRange

from asyncdj_lint.analysis.calls import defers_callable
from asyncdj_lint.analysis.context import FileContext, Report
from asyncdj_lint.analysis.helpers import HelperJudge
from asyncdj_lint.analysis.project import Project
from asyncdj_lint.analysis.scopes import Scope, ScopeNode
from asyncdj_lint.diagnostics import Diagnostic, Severity
from asyncdj_lint.fixes import Span
from asyncdj_lint.index.request_path.testing import is_test_module
from asyncdj_lint.noqa import Suppressions, file_exemption
from asyncdj_lint.options import LintOptions
from asyncdj_lint.rules.adj002_unused_noqa import UnusedNoqa
from asyncdj_lint.rules.base import Rule
from asyncdj_lint.sources import ParsedFile
from asyncdj_lint.syntax.positions import syntactic_positions
from asyncdj_lint.syntax.walk import Visitor, walk

# Exact types, tested with `type(node) in`: LibCST's node classes are never subclassed.
_SCOPE_NODES = frozenset(
    {
        cst.FunctionDef,
        cst.Lambda,
        cst.ClassDef,
        cst.ListComp,
        cst.SetComp,
        cst.DictComp,
        cst.GeneratorExp,
    }
)

Handler = Callable[[cst.CSTNode], None]

# Families whose findings are facts about a sync body run on the loop (for the helper judge).
_FACT_FAMILIES = ("ADJ1", "ADJ2", "ADJ5")
# Rules of those families that judge async constructs, or code that fails in any context.
# ADJ515 (an API the declared Django lacks) fails wherever the code runs: not a fact about the loop.
_NOT_FACTS = frozenset({"ADJ104", "ADJ105", "ADJ106", "ADJ107", "ADJ108", "ADJ109", "ADJ511", "ADJ515"})
# Rules of other families whose finding in a sync body is a failure on the loop: `async_to_sync`
# run on the loop's thread raises RuntimeError wherever the sync code calling it sits.
_BRIDGE_FACTS = frozenset({"ADJ403"})


def _handler_names(rule_type: type) -> list[tuple[str, bool, type]]:
    """(method name, whether it is a visit, node type) of a rule class's handlers: listed once
    per class, not once per file."""
    found = _HANDLERS.get(rule_type)
    if found is None:
        found = _HANDLERS[rule_type] = []
        for attr in dir(rule_type):
            prefix, _, node_type = attr.partition("_")
            if prefix in ("visit", "leave") and node_type and hasattr(cst, node_type):
                found.append((attr, prefix == "visit", getattr(cst, node_type)))
    return found


_HANDLERS: dict[type, list[tuple[str, bool, type]]] = {}


class _Walker(Visitor):
    """Keeps scopes and ancestors current and dispatches each node to the rules."""

    def __init__(self, ctx: FileContext, rules: Iterable[object]) -> None:
        """`rules`: rule objects, or any object with `visit_<Node>` and `leave_<Node>` methods."""
        self.ctx = ctx
        self.on_enter: dict[type, list[Handler]] = {}
        self.on_exit: dict[type, list[Handler]] = {}
        # Scopes of the functions and classes whose decorators are being walked.
        self._decorated: list[Scope] = []
        for rule in rules:
            for attr, entering, node_type in _handler_names(type(rule)):
                table = self.on_enter if entering else self.on_exit
                table.setdefault(node_type, []).append(getattr(rule, attr))

    def on_visit(self, node: cst.CSTNode) -> bool:
        ctx = self.ctx
        if type(node) in _SCOPE_NODES:  # exact types, as the walk dispatches
            scope_node = cast("ScopeNode", node)
            ctx.scope = Scope(scope_node, ctx.scope, off_loop=self._handed_to_thread(scope_node))
        elif type(node) is cst.Decorator and ctx.scope.node is ctx.ancestors[-1]:
            # A decorator runs where its function is defined (at import time for a module-level
            # `async def`), not in the function's body.
            self._decorated.append(ctx.scope)
            ctx.scope = ctx.scope.parent or ctx.scope
        ctx.ancestors.append(node)
        for handler in self.on_enter.get(type(node), ()):
            handler(node)
        return True

    def on_leave(self, node: cst.CSTNode) -> None:
        ctx = self.ctx
        for handler in self.on_exit.get(type(node), ()):
            handler(node)
        ctx.ancestors.pop()
        if type(node) in _SCOPE_NODES and ctx.scope.parent is not None:
            ctx.scope = ctx.scope.parent
        elif (
            type(node) is cst.Decorator and self._decorated and ctx.ancestors[-1] is self._decorated[-1].node
        ):
            ctx.scope = self._decorated.pop()

    def _handed_to_thread(self, node: cst.CSTNode) -> bool:
        """Whether a lambda is not known to run where it is written.

        A lambda runs on the loop when it is called on the spot or handed to a
        call that is not a thread bridge (`sorted(key=lambda ...)`); one handed
        to sync_to_async or to a call that runs it later elsewhere
        (`transaction.on_commit`), or stored for later, is not judged here.
        """
        if not isinstance(node, cst.Lambda) or len(self.ctx.ancestors) < 2:
            return False
        parent, grandparent = self.ctx.ancestors[-1], self.ctx.ancestors[-2]
        if isinstance(parent, cst.Call):
            return parent.func is not node
        if isinstance(parent, cst.Arg) and isinstance(grandparent, cst.Call):
            return self.ctx.is_bridge_call(grandparent) or defers_callable(self.ctx, grandparent)
        return True


def run_rules(ctx: FileContext, node: cst.CSTNode, rules: list[object]) -> None:
    """Walks `node` with the given rule objects, reporting into `ctx` (which holds the scope)."""
    walk(node, _Walker(ctx, rules))


def fact_rules(rules: Iterable[type[Rule]]) -> list[type[Rule]]:
    """The rules whose findings in a sync helper's body explain a call to it from async code."""
    return [
        rule
        for rule in rules
        if (rule.code.startswith(_FACT_FAMILIES) or rule.code in _BRIDGE_FACTS)
        and rule.code not in _NOT_FACTS
        and rule.severity is not Severity.ADVISORY
    ]


def helper_judge(project: Project, options: LintOptions, rules: Iterable[type[Rule]]) -> HelperJudge:
    """The judge of sync helpers for one session, from the rules the user selected."""
    facts = fact_rules(rules)

    def make_rules(ctx: FileContext) -> list[object]:
        return [rule(ctx) for rule in facts]

    return HelperJudge(project, options, make_rules, run_rules)


def lint_module(
    parsed: ParsedFile,
    *,
    project: Project,
    rules: Iterable[type[Rule]],
    options: LintOptions,
    helpers: HelperJudge | None = None,
) -> list[Diagnostic]:
    """`helpers` is the session's judge (the file shares the session's memo through `project`);
    without one, a judge of `rules` for this file alone."""
    file, module = parsed.file, parsed.module
    rules = list(rules)
    if helpers is None:
        helpers = helper_judge(project, options, rules)
    ctx = FileContext(module, file.name, file.is_package, project, options, helpers=helpers)
    walk(module, _Walker(ctx, [rule(ctx) for rule in rules]))
    if ctx.reports and project.index.request_path.async_unsafe_tests.governs(file.path, file.name):
        # Django runs these queries instead of raising: the test suite allows it on purpose.
        allowed = {rule.code for rule in rules if rule.sync_only_query}
        ctx.reports = [report for report in ctx.reports if report.code not in allowed]
    elif ctx.reports and not is_test_module(file.name):
        where = project.index.request_path.async_unsafe_app(options.settings_module)
        if where is not None:
            # The application runs with the guard off: the query blocks the loop, still an error.
            unguarded = {rule.code for rule in rules if rule.sync_only_query}
            ctx.reports = [
                _blocks_instead_of_raising(report, where) if report.code in unguarded else report
                for report in ctx.reports
            ]
    check_unused = UnusedNoqa in rules
    if not ctx.reports and not check_unused:
        return []
    enabled = _enabled_codes(options) if check_unused else ()
    return _to_diagnostics(module, file.display, ctx.reports, enabled)


_RAISES = "raises SynchronousOnlyOperation"


def _blocks_instead_of_raising(report: Report, where: str) -> Report:
    """The report's message as Django behaves with `DJANGO_ALLOW_ASYNC_UNSAFE` set (at `where`)."""
    if _RAISES not in report.message:
        return report
    told = (
        "blocks the event loop instead of raising SynchronousOnlyOperation "
        f"(`DJANGO_ALLOW_ASYNC_UNSAFE` is set at {where})"
    )
    return dataclasses.replace(report, message=report.message.replace(_RAISES, told, 1))


def _enabled_codes(options: LintOptions) -> tuple[str, ...]:
    # A lazy import: the rule registry imports every rule module.
    from asyncdj_lint.rules import all_rules

    return tuple(rule.code for rule in all_rules() if options.selection.enabled(rule.code, rule.severity))


def _suppressions(module: cst.Module, positions: Mapping[cst.CSTNode, CodeRange]) -> Suppressions:
    """The file's `# noqa` comments, read from the tree: noqa text inside a string literal is not a comment."""
    comments: dict[int, str] = {}
    own_line: list[str] = []
    starts: dict[int, int] = {}
    for node in positions:
        if isinstance(node, cst.Comment):
            comments[positions[node].start.line] = node.value
        elif isinstance(node, cst.EmptyLine) and node.comment is not None:
            own_line.append(node.comment.value)
        elif isinstance(node, cst.SimpleStatementLine) and node.body:
            _cover(starts, positions[node].start.line, positions[node.body[-1]].end.line)
        elif isinstance(node, cst.BaseCompoundStatement) and not isinstance(node, cst.Match):
            # The header, up to the line its body starts on (the colon's line); `match` has cases, no body.
            _cover(starts, positions[node].start.line, positions[node.body].start.line)
    return Suppressions(comments, starts, file_exemption(own_line))


def _cover(starts: dict[int, int], first: int, last: int) -> None:
    for line in range(first + 1, last + 1):
        starts[line] = first


def _to_diagnostics(
    module: cst.Module, path: str, reports: list[Report], enabled: tuple[str, ...] = ()
) -> list[Diagnostic]:
    """`enabled`: the codes of the run's enabled rules, when unused `# noqa` codes are reported (ADJ002)."""
    # Positions are computed only for files with findings or noqa comments: they cost a
    # code generation pass over the module.
    positions = syntactic_positions(module)
    suppressions = _suppressions(module, positions)

    def span_of(node: cst.CSTNode) -> Span | None:
        found: CodeRange | None = positions.get(node)
        if found is None:
            return None
        return Span(found.start.line, found.start.column, found.end.line, found.end.column)

    kept = [
        report
        for report in reports
        if not suppressions.suppressed(_reported_range(report.node, positions).start.line, report.code)
    ]
    if enabled and not suppressions.exempts(UnusedNoqa.code):
        kept.extend(_unused_noqa(module, positions, suppressions, enabled))
    diagnostics = []
    for report in kept:
        span = _reported_range(report.node, positions)
        diagnostics.append(
            Diagnostic(
                path=path,
                line=span.start.line,
                column=span.start.column + 1,
                code=report.code,
                message=report.message,
                severity=report.severity.value,
                end_line=span.end.line,
                end_column=span.end.column + 1,
                fix=report.fix.resolve(span_of) if report.fix is not None else None,
            )
        )
    return sorted(diagnostics)


def _reported_range(node: cst.CSTNode, positions: Mapping[cst.CSTNode, CodeRange]) -> CodeRange:
    """Where a finding at `node` is: its range, except that a comprehension's `for` clause is
    `for target in iterable` (`async for ...`), without the whitespace before it that LibCST
    counts as the clause's and the `if`s and inner clauses after it."""
    if isinstance(node, cst.CompFor):
        return CodeRange(positions[node.whitespace_before].end, positions[node.iter].end)
    return positions[node]


def _unused_noqa(
    module: cst.Module,
    positions: Mapping[cst.CSTNode, CodeRange],
    suppressions: Suppressions,
    enabled: tuple[str, ...],
) -> Iterator[Report]:
    """ADJ002 for each `# noqa` whose listed codes of enabled rules suppressed nothing."""

    def counts(code: str) -> bool:
        # Codes of other tools, and of rules this run does not enable, are not judged; nor is ADJ002 itself.
        return not UnusedNoqa.code.startswith(code) and any(rule.startswith(code) for rule in enabled)

    unused = dict(suppressions.unused(counts))
    if not unused:
        return
    by_line = {noqa.line: noqa for noqa in unused}
    for node in positions:
        if not isinstance(node, (cst.TrailingWhitespace, cst.EmptyLine)) or node.comment is None:
            continue
        comment = node.comment
        noqa = by_line.get(positions[comment].start.line)
        if noqa is None or noqa.comment != comment.value:
            continue
        codes = unused[noqa]
        newline = node.newline.value or module.default_newline
        owner = node if isinstance(node, cst.TrailingWhitespace) else None
        fix = UnusedNoqa.fix_for(comment, owner, codes, newline)
        yield Report(UnusedNoqa.code, UnusedNoqa.severity, comment, UnusedNoqa.message(codes), fix)
