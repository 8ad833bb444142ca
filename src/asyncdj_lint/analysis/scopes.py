"""Scopes and the bindings of each name in them, as Python defines them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import libcst as cst

from asyncdj_lint.syntax.names import import_bindings
from asyncdj_lint.syntax.walk import Visitor, walk

FunctionNode = cst.FunctionDef | cst.Lambda
ComprehensionNode = cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp
ScopeNode = cst.Module | cst.ClassDef | FunctionNode | ComprehensionNode


@dataclass(frozen=True)
class ValueBinding:
    """`x = node` (also `x: T = node` and `(x := node)`)."""

    node: cst.BaseExpression


@dataclass(frozen=True)
class UnpackBinding:
    """`x, y = node`: the item at `index` of what `node` is."""

    node: cst.BaseExpression
    index: int


@dataclass(frozen=True)
class IterBinding:
    """`for x in node` (`async for` when `is_async`), in a loop or a comprehension."""

    node: cst.BaseExpression
    is_async: bool


@dataclass(frozen=True)
class ParamBinding:
    """A parameter; also `x: T` with no value, as a parameter annotated `T`."""

    node: cst.Param


@dataclass(frozen=True)
class ImportBinding:
    """`import a.b` or `from a import b`; `target` is the imported name as written (maybe relative)."""

    target: str


@dataclass(frozen=True)
class WithBinding:
    """`with node as x`: `x` is what `node.__enter__()` returns, which the analysis does not follow."""

    node: cst.BaseExpression


@dataclass(frozen=True)
class DefinitionBinding:
    """A `def` or `class` statement, whose body is a scope of its own."""

    node: cst.FunctionDef | cst.ClassDef


@dataclass(frozen=True)
class OtherBinding:
    """Anything the analysis does not follow: augmented assignment,
    `except ... as`, `del`, star targets, `nonlocal`, match captures."""


# One way a name gets a value in a scope.
Binding = (
    ValueBinding
    | UnpackBinding
    | IterBinding
    | ParamBinding
    | ImportBinding
    | WithBinding
    | DefinitionBinding
    | OtherBinding
)


@dataclass(eq=False)
class Scope:
    node: ScopeNode
    parent: Scope | None
    # For a lambda or nested def: whether it is handed to a thread (sync_to_async).
    off_loop: bool = False
    # A sync function analysed as if it were called on the event loop (a helper of async code).
    assume_on_loop: bool = False

    @property
    def bindings(self) -> dict[str, list[Binding]]:
        return self._collected.bindings

    @property
    def declared_global(self) -> set[str]:
        return self._collected.declared_global

    @cached_property
    def _collected(self) -> _BindingCollector:
        """Collected on first use: most scopes are never asked about a name."""
        collector = _BindingCollector()
        node = self.node
        if isinstance(node, cst.Module):
            for statement in node.body:
                walk(statement, collector)
        elif isinstance(node, cst.ClassDef):
            walk(node.body, collector)
        elif isinstance(node, (cst.FunctionDef, cst.Lambda)):
            collector.add_params(node.params)
            walk(node.body, collector)
        else:
            collector.add_comprehension(node)
        return collector

    @property
    def is_function(self) -> bool:
        return isinstance(self.node, (cst.FunctionDef, cst.Lambda))

    @property
    def is_async_function(self) -> bool:
        return isinstance(self.node, cst.FunctionDef) and self.node.asynchronous is not None

    @cached_property
    def runs_on_loop(self) -> bool:
        """Whether code in this scope runs on the event loop when it runs at all.

        The body of an `async def` does; a nested sync `def` does not (it is
        called or handed to a thread, which the helper rules judge); a lambda
        or comprehension runs where it is written, unless handed to a thread.
        """
        if self.off_loop:
            return False
        if self.assume_on_loop:
            return True
        if isinstance(self.node, cst.FunctionDef):
            return self.is_async_function
        if isinstance(self.node, (cst.Lambda, *_COMPREHENSIONS)):
            return self.parent is not None and self.parent.runs_on_loop
        return False

    def lookup(self, name: str) -> tuple[Scope, list[Binding]] | None:
        """The scope that binds `name` for code in this scope, with its bindings."""
        scope: Scope | None = self
        first = True
        while scope is not None:
            # `global` at module level is legal and changes nothing (the module is its own global scope).
            if scope.parent is not None and name in scope.declared_global:
                scope = scope.module_scope
                first = False
                continue
            # Class bodies are not visible from functions nested in them.
            visible = first or not isinstance(scope.node, cst.ClassDef)
            if visible and name in scope.bindings:
                return scope, scope.bindings[name]
            scope = scope.parent
            first = False
        return None

    @property
    def module_scope(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    @property
    def function(self) -> Scope | None:
        """The innermost enclosing function scope (comprehensions belong to it)."""
        scope: Scope | None = self
        while scope is not None and isinstance(scope.node, _COMPREHENSIONS):
            scope = scope.parent
        return scope if scope is not None and scope.is_function else None

    @property
    def function_node(self) -> FunctionNode | None:
        """The `def` or lambda of the innermost enclosing function scope."""
        function = self.function
        return function.node if function is not None and isinstance(function.node, FunctionNode) else None


_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class _BindingCollector(Visitor):
    """Records the bindings made directly in one scope (not in nested ones)."""

    def __init__(self) -> None:
        self.bindings: dict[str, list[Binding]] = {}
        self.declared_global: set[str] = set()

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def add_params(self, params: cst.Parameters) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            self.bind(param.name.value, ParamBinding(param))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.bind(star.name.value, OtherBinding())

    def add_comprehension(self, node: ComprehensionNode) -> None:
        comp_for: cst.CompFor | None = node.for_in
        while comp_for is not None:
            self.bind_target(
                comp_for.target, IterBinding(comp_for.iter, is_async=comp_for.asynchronous is not None)
            )
            comp_for = comp_for.inner_for_in

    def bind_target(self, target: cst.BaseExpression, binding: Binding) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, binding)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for index, element in enumerate(target.elements):
                inner = element.value
                if isinstance(element, cst.StarredElement) or not isinstance(binding, ValueBinding):
                    self.bind_target(inner, OtherBinding())
                else:
                    self.bind_target(inner, UnpackBinding(binding.node, index=index))

    # Nested scopes bind only their own name here.
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.bind(node.name.value, DefinitionBinding(node))
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.bind(node.name.value, DefinitionBinding(node))
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def _visit_comprehension(self, node: ComprehensionNode) -> bool:
        # Only the outermost iterable is evaluated in this scope; walrus
        # targets inside bind here too, but are rare enough to ignore.
        walk(node.for_in.iter, self)
        return False

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.bind_target(target.target, ValueBinding(node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.bind_target(node.target, ValueBinding(node.value))
        elif isinstance(node.target, cst.Name):
            self.bind(
                node.target.value,
                ParamBinding(cst.Param(node.target, cst.Annotation(node.annotation.annotation))),
            )

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.bind_target(node.target, OtherBinding())

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.bind_target(node.target, ValueBinding(node.value))

    def visit_For(self, node: cst.For) -> None:
        is_async = node.asynchronous is not None
        if isinstance(node.target, cst.Name):
            self.bind(node.target.value, IterBinding(node.iter, is_async=is_async))
        else:
            self.bind_target(node.target, OtherBinding())

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            # Not followed as a value (`__enter__` decides), but kept: `with Pool() as pool`.
            self.bind_target(node.asname.name, WithBinding(node.item))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self.bind_target(node.name.name, OtherBinding())

    def visit_Del(self, node: cst.Del) -> None:
        self.bind_target(node.target, OtherBinding())

    def visit_Import(self, node: cst.Import) -> None:
        for local, target in import_bindings(node).items():
            self.bind(local, ImportBinding(target))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        for local, target in import_bindings(node).items():
            self.bind(local, ImportBinding(target))

    def visit_Global(self, node: cst.Global) -> None:
        self.declared_global.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.bind(item.name.value, OtherBinding())

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.bind(node.name.value, OtherBinding())
