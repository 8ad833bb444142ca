"""What a rule sees while the engine walks one file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from asyncdj_lint.analysis.inference import Inference
from asyncdj_lint.analysis.project import Project
from asyncdj_lint.analysis.scopes import Scope
from asyncdj_lint.analysis.values import Value
from asyncdj_lint.diagnostics import Severity
from asyncdj_lint.facts import bridges
from asyncdj_lint.fixes import Fix
from asyncdj_lint.index.project import ProjectIndex
from asyncdj_lint.options import LintOptions

if TYPE_CHECKING:
    from asyncdj_lint.analysis.helpers import HelperJudge

_MAX_SNIPPET = 48


@dataclass(frozen=True)
class Report:
    code: str
    severity: Severity
    node: cst.CSTNode
    message: str
    fix: Fix | None = None


@dataclass
class FileContext:
    module: cst.Module
    module_name: str
    is_package: bool
    # The index, the tree provider and the run's memo of followed calls.
    project: Project
    options: LintOptions
    # True while a sync project function's body is judged as if it ran on the
    # loop, to explain a call to it from async code (the ADJ3xx rules).
    judging_helper: bool = False
    # Judges the sync project functions a call reaches (ADJ3xx); built by the engine.
    helpers: HelperJudge | None = None
    # While judging a helper called from test code: that test module, whose settings the
    # helper runs under (None: the settings of its own module).
    runs_as: str | None = None
    inference: Inference = field(init=False)
    scope: Scope = field(init=False)
    # The nodes from the module down to the one being visited, that one last.
    ancestors: list[cst.CSTNode] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    _local_names: dict[frozenset[str], frozenset[str]] = field(default_factory=dict)

    @property
    def settings_module_name(self) -> str:
        """The module whose settings this code runs under (test code runs under the test settings)."""
        return self.runs_as or self.module_name

    def __post_init__(self) -> None:
        self.inference = Inference(self.project, self.module_name, self.is_package)
        self.scope = self.project.module_scope(self.module_name, self.module)

    @property
    def index(self) -> ProjectIndex:
        return self.project.index

    @property
    def on_loop(self) -> bool:
        """Whether the node being visited runs on the event loop."""
        return self.scope.runs_on_loop

    def infer(self, expr: cst.BaseExpression) -> Value | None:
        return self.inference.infer(expr, self.scope)

    def parent(self, generations: int = 1) -> cst.CSTNode | None:
        """The visited node's parent (1), grandparent (2), ..."""
        index = len(self.ancestors) - 1 - generations
        return self.ancestors[index] if index >= 0 else None

    def is_bridge_call(self, call: cst.BaseExpression) -> bool:
        """Whether `call` hands its first argument to a thread (sync_to_async & co.)."""
        return isinstance(call, cst.Call) and bridges.thread_bridge(call, self.infer) is not None

    def local_names(self, qualnames: frozenset[str]) -> frozenset[str]:
        """The names these qualified names may be called by here: their own, or an import alias."""
        if qualnames not in self._local_names:
            own = {name.rsplit(".", 1)[-1] for name in qualnames}
            summary = self.index.modules.get(self.module_name)
            imports = summary.imports if summary is not None else {}
            aliases = {local for local, target in imports.items() if target in qualnames}
            self._local_names[qualnames] = frozenset(own | aliases)
        return self._local_names[qualnames]

    def snippet(self, node: cst.CSTNode) -> str:
        """Source text of a node for a message, on one line and kept short."""
        text = " ".join(self.module.code_for_node(node).split())
        return text if len(text) <= _MAX_SNIPPET else text[: _MAX_SNIPPET - 3] + "..."

    def report(
        self, code: str, severity: Severity, node: cst.CSTNode, message: str, fix: Fix | None = None
    ) -> None:
        if any(r.code == code and r.node is node for r in self.reports):
            return
        self.reports.append(Report(code, severity, node, message, fix))
