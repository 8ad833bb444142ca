"""The analyses' view of the project: the index, a tree provider and what following calls learnt.

The index knows summaries only; a function's body is read from the tree the
provider hands out (the session's `SourceStore`, which parses each file at
most once). The memo is typed and lives as long as the session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from asyncdj_lint.index.project import ProjectIndex
from asyncdj_lint.sources import ParsedFile

# Module name -> its parsed file, or None when it is not a project module or does not parse.
Trees = Callable[[str], ParsedFile | None]


def no_trees(module: str) -> ParsedFile | None:
    """The provider of an index without sources: no function body can be read."""
    return None


@dataclass
class CallMemo:
    """Results of the analyses that follow calls into project functions, once per run."""

    # (function's qualified name, receiver) -> the value it returns (None: unknown)
    returns: dict[tuple[str, object], object] = field(default_factory=dict)
    # function's qualified name -> whether it is a generator function
    generators: dict[str, bool] = field(default_factory=dict)
    # class's qualified name -> the attributes its methods assign on `self`
    self_assigned: dict[str, frozenset[str]] = field(default_factory=dict)
    # What the project's context processors add to every template context (rules/_render.py).
    context_processors: object = None


@dataclass
class Project:
    index: ProjectIndex
    trees: Trees = no_trees
    memo: CallMemo = field(default_factory=CallMemo)
    # The code analyses read in other modules' bodies, for the result cache:
    # (module, "function", "Class.method" or "Class") -> digest of that code (None: not found).
    followed: dict[tuple[str, str], str | None] = field(default_factory=dict)
