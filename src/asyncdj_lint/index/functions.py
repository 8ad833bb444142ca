"""Project functions and methods: what a file's summary records about each, and lookups.

The summary part (`FunctionDecl`, `function_decls`) is a pure function of one
file's content. `ProjectFunctions` resolves names to those declarations
across files: a module attribute, a re-export, a method through the project
class hierarchy.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from asyncdj_lint.facts.bridges import SYNC_TO_ASYNC
from asyncdj_lint.syntax.ast_names import dotted_name

if TYPE_CHECKING:
    from asyncdj_lint.index.project import ProjectIndex

_MAX_DEPTH = 20

# Decorators that leave calling the function as it was.
_TRANSPARENT_DECORATORS = frozenset(
    {
        "staticmethod",
        "classmethod",
        "functools.cache",
        "functools.lru_cache",
        "functools.wraps",
        "typing.overload",
    }
)


@dataclass(frozen=True)
class FunctionDecl:
    """A module-level function or a method of a module-level class, as written.

    `decorators` are dotted names as written, with "()" when the decorator is
    a call (`@lru_cache(maxsize=None)` -> "lru_cache()").
    """

    name: str
    owner: str | None  # the class name for a method
    is_async: bool
    decorators: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.owner}.{self.name}" if self.owner else self.name


def function_decl(node: ast.FunctionDef | ast.AsyncFunctionDef, owner: str | None) -> FunctionDecl:
    decorators = []
    for expr in node.decorator_list:
        suffix = ""
        if isinstance(expr, ast.Call):
            expr, suffix = expr.func, "()"
        name = dotted_name(expr)
        decorators.append(f"{name}{suffix}" if name else "?")
    return FunctionDecl(node.name, owner, isinstance(node, ast.AsyncFunctionDef), tuple(decorators))


@dataclass(frozen=True)
class FunctionRef:
    """A resolved project function: its module and declaration."""

    module: str
    decl: FunctionDecl

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.decl.key}"


class ProjectFunctions:
    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    def function(self, qualname: str) -> FunctionRef | None:
        """The module-level function or class method a qualified name denotes."""
        canonical = self.index.canonical(qualname)
        for module, rest in _module_splits(self.index, canonical):
            decl = self.index.modules[module].functions.get(rest)
            if decl is not None:
                return FunctionRef(module, decl)
            owner, _, name = rest.partition(".")
            if name:  # `Class.method` that the class inherits
                return self.method(f"{module}.{owner}", name)
        return None

    def method(self, class_qualname: str, name: str, *, after: str | None = None) -> FunctionRef | None:
        """`name` looked up along a project class's bases, depth first as a simple MRO.

        With `after`, the lookup starts past that class (for `super()`).
        """
        skipping = after is not None
        for cls in self.mro(class_qualname):
            if skipping:
                skipping = cls != after
                continue
            module, _, owner = cls.rpartition(".")
            decl = self.index.modules[module].functions.get(f"{owner}.{name}")
            if decl is not None:
                return FunctionRef(module, decl)
        return None

    def mro(self, class_qualname: str) -> list[str]:
        """The project classes a class inherits from, itself first; outside classes are left out."""
        order: list[str] = []
        self._walk_bases(class_qualname, order, 0)
        return order

    def may_bind(self, class_qualname: str, attr: str) -> bool:
        """Whether the body of the class or of a project class it inherits from may bind `attr`."""
        for cls in self.mro(class_qualname):
            module, _, name = cls.rpartition(".")
            if attr in self.index.modules[module].classes[name].bound:
                return True
        return False

    def outside_bases(self, class_qualname: str) -> set[str]:
        """Canonical names of the non-project classes anywhere in a class's bases."""
        found: set[str] = set()
        for cls in self.mro(class_qualname):
            module, _, name = cls.rpartition(".")
            for base in self.index.modules[module].classes[name].bases:
                target = self.index.resolve(module, base)
                if target is not None and self._class(target) is None:
                    found.add(self.index.canonical(target))
        return found

    def _walk_bases(self, qualname: str, order: list[str], depth: int) -> None:
        found = self._class(qualname)
        if found is None or found in order or depth > _MAX_DEPTH:
            return
        order.append(found)
        module, _, name = found.rpartition(".")
        for base in self.index.modules[module].classes[name].bases:
            target = self.index.resolve(module, base)
            if target is not None:
                self._walk_bases(target, order, depth + 1)

    def _class(self, qualname: str) -> str | None:
        canonical, cls, _ = self.index._follow(qualname)
        return canonical if cls is not None else None

    def is_project_class(self, qualname: str) -> bool:
        return self._class(qualname) is not None

    def call_kind(self, ref: FunctionRef) -> str:
        """How calling the function behaves: "sync", "async", "thread" (sync_to_async-decorated) or "opaque"."""
        kinds = {self._decorator_kind(ref.module, decorator) for decorator in ref.decl.decorators}
        if "thread" in kinds:
            return "thread"
        if "opaque" in kinds:
            return "opaque"
        return "async" if ref.decl.is_async else "sync"

    def _decorator_kind(self, module: str, decorator: str) -> str:
        name = decorator.removesuffix("()")
        resolved = self.index.resolve(module, name) or name
        if resolved in SYNC_TO_ASYNC:  # calling it returns an awaitable that runs it in a thread
            return "thread"
        return "transparent" if resolved in _TRANSPARENT_DECORATORS else "opaque"


def _module_splits(index: ProjectIndex, qualname: str) -> Iterator[tuple[str, str]]:
    """(module, "func" or "Class.method") pairs that could spell `qualname` in the project."""
    parts = qualname.split(".")
    for cut in (len(parts) - 1, len(parts) - 2):
        if cut < 1:
            continue
        module = ".".join(parts[:cut])
        if module in index.modules:
            yield module, ".".join(parts[cut:])
