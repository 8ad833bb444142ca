"""The analyses' view of the project: the index, a tree provider and what following calls learnt.

The index knows summaries only; a function's body is read from the tree the
provider hands out (the session's `SourceStore`, which parses each file at
most once). The memo is typed and lives as long as the session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from asyncdj_lint.analysis.scopes import Scope, ScopeNode
from asyncdj_lint.analysis.values import Value
from asyncdj_lint.index.project import ProjectIndex
from asyncdj_lint.sources import ParsedFile

# Module name -> its parsed file, or None when it is not a project module or does not parse.
Trees = Callable[[str], ParsedFile | None]


def no_trees(module: str) -> ParsedFile | None:
    """The provider of an index without sources: no function body can be read."""
    return None


@dataclass
class InferenceMemo:
    """What one session learnt about project code while inferring, shared by every file's inference."""

    # A project function's return value, by (qualified name, receiver).
    returns: dict[tuple[str, Value | None], Value | None] = field(default_factory=dict)
    # Whether a project function is a generator, by qualified name.
    generators: dict[str, bool] = field(default_factory=dict)
    # The attributes the methods of a project class assign on `self`, by qualified name.
    self_assigned: dict[str, frozenset[str]] = field(default_factory=dict)
    # Those its `__init__` alone does not decide (assigned elsewhere in the hierarchy, or twice).
    assigned_outside_init: dict[str, frozenset[str]] = field(default_factory=dict)
    # What the project's context processors add to every template context, by key: the value,
    # whether it is an inert literal, and the processor; None until a render call asks.
    processor_context: dict[str, tuple[Value | None, bool, str]] | None = None
    # Names of project methods decorated as a property; None until a read asks.
    property_names: frozenset[str] | None = None
    # The parameters a project function runs `async for` over, by qualified name.
    async_iterated_parameters: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass
class Project:
    index: ProjectIndex
    trees: Trees = no_trees
    memo: InferenceMemo = field(default_factory=InferenceMemo)
    # The code analyses read in other modules' bodies, for the result cache:
    # (module, "function", "Class.method" or "Class") -> digest of that code (None: not found).
    followed: dict[tuple[str, str], str | None] = field(default_factory=dict)
    # The scopes of modules and of their top-level classes, with the tree each was made for
    # (an editor's buffer brings a new one): their bindings are collected once per tree.
    _scopes: dict[tuple[str, str], tuple[cst.CSTNode, Scope]] = field(default_factory=dict)

    def module_scope(self, name: str, module: cst.Module) -> Scope:
        """The scope of module `name`'s top level, whose tree is `module`."""
        return self._scope(name, "", module, None)

    def class_scope(self, name: str, module: cst.Module, node: cst.ClassDef) -> Scope:
        """The scope of the body of class `node`, defined at the top level of module `name`."""
        return self._scope(name, node.name.value, node, self.module_scope(name, module))

    def _scope(self, name: str, owner: str, node: ScopeNode, parent: Scope | None) -> Scope:
        found = self._scopes.get((name, owner))
        if found is None or found[0] is not node or found[1].parent is not parent:
            found = self._scopes[name, owner] = (node, Scope(node, parent))
        return found[1]
