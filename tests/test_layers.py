"""The package's import graph only points down its layers, and has one cycle, on purpose.

Layers, top to bottom (README.md, "How it works"): an import may name a module
of its own layer or of a lower one, never of a higher one. Imports made only
for type checking (under `if TYPE_CHECKING:`) must point down too, but are left
out of the cycle check: they never run. Imports inside functions count: a lazy
import is still an import.

The one cycle allowed is the inference <-> project-function recursion: inferring
a call to a project function infers that function's return value, which needs
inference again. `analysis/project_calls.py` imports `analysis/inference.py`
lazily, inside the function that runs it; that edge is listed in ALLOWED_CYCLE.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "asyncdj_lint"
SOURCE = Path(__file__).resolve().parent.parent / "src" / PACKAGE

# Top to bottom; a module belongs to the first layer one of whose prefixes it starts with.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "entry",
        (
            "cli",
            "flake8_plugin",
            "server",
            "__main__",
            "formats",
            "docs",
            "add_noqa",
            "terminal",
            "report",
        ),
    ),
    ("session", ("api", "config", "fixer")),
    ("engine", ("engine",)),
    ("rules", ("rules",)),
    ("analysis", ("analysis",)),
    ("index", ("index",)),
    (
        "base",
        (
            "syntax",
            "facts",
            "diagnostics",
            "fixes",
            "options",
            "workspace",
            "gitignore",
            "noqa",
            "suppressions",
            "baseline",
            "__init__",
        ),
    ),
    ("sources", ("sources", "discovery", "parse_guard", "lines")),
)

# importer -> imported: the inference <-> return-value recursion, made by a lazy import.
ALLOWED_CYCLE = ("analysis.project_calls", "analysis.inference")


@dataclass(frozen=True)
class Import:
    importer: str  # module name without the package prefix, e.g. "analysis.inference"
    imported: str
    line: int
    type_only: bool  # under `if TYPE_CHECKING:`
    lazy: bool  # inside a function


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def layer_of(module: str) -> int:
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                return rank
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS in tests/test_layers.py")


def _targets(node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level or node.module is None:
            raise AssertionError(f"relative import at line {node.lineno}: use absolute imports")
        # `from asyncdj_lint.analysis import orm_api` names a module; `from x import name` its module.
        names = [f"{node.module}.{alias.name}" for alias in node.names]
        names = [name if name.removeprefix(PACKAGE + ".") in known else node.module for name in names]
    for name in names:
        if name == PACKAGE:
            yield "__init__"
        elif name.startswith(PACKAGE + "."):
            yield name.removeprefix(PACKAGE + ".")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports() -> list[Import]:
    known = modules()
    found: list[Import] = []

    def visit(node: ast.AST, importer: str, type_only: bool, lazy: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in _targets(node, known):
                found.append(Import(importer, target, node.lineno, type_only, lazy))
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.body:
                visit(statement, importer, True, lazy)
            for statement in node.orelse:
                visit(statement, importer, type_only, lazy)
            return
        inner = lazy or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, importer, type_only, inner)

    for module, path in known.items():
        visit(ast.parse(path.read_text(encoding="utf-8")), module, False, False)
    return found


def upward_imports() -> list[str]:
    return sorted(
        {
            f"{i.importer} ({LAYERS[layer_of(i.importer)][0]}) -> {i.imported} ({LAYERS[layer_of(i.imported)][0]})"
            for i in imports()
            if layer_of(i.imported) < layer_of(i.importer)
        }
    )


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(components)


def runtime_edges() -> set[tuple[str, str]]:
    return {(i.importer, i.imported) for i in imports() if not i.type_only and i.importer != i.imported}


def test_every_module_has_a_layer() -> None:
    assert {module: LAYERS[layer_of(module)][0] for module in modules()}


def test_no_import_points_up_a_layer() -> None:
    assert upward_imports() == []


def test_the_only_cycle_is_the_inference_recursion() -> None:
    assert cycles(runtime_edges() - {ALLOWED_CYCLE}) == []


def test_the_allowed_cycle_exists_and_is_a_lazy_import() -> None:
    importer, imported = ALLOWED_CYCLE
    edge = [i for i in imports() if (i.importer, i.imported) == ALLOWED_CYCLE and not i.type_only]
    assert edge, "the recursion moved: update ALLOWED_CYCLE and its comment"
    assert all(i.lazy for i in edge)
    assert (imported, importer) in runtime_edges()


def test_the_checker_sees_an_upward_import_and_a_cycle() -> None:
    # The checks above are only as good as these two functions.
    assert layer_of("rules.base") < layer_of("analysis.inference") < layer_of("sources")
    assert cycles({("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}) == [["a", "b", "c"]]
