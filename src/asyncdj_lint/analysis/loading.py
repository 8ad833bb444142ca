"""What a query loads: select_related/prefetch_related paths and only()/defer() fields.

Tracked on QuerySet and Instance values (`values.Loading`) so that reading a
relation or a deferred field of an instance can be judged. Anything this
module cannot read exactly (a path held in a variable, a custom QuerySet
method, select_related() with no arguments) makes the loading unknown, and
unknown is never reported.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import replace
from typing import Final, TypeVar

import libcst as cst

from asyncdj_lint.analysis.values import (
    NOTHING_LOADED,
    Instance,
    Loading,
    QuerySet,
    RelatedManager,
    Value,
    qualname_of,
)
from asyncdj_lint.index.project import ModelInfo, ProjectIndex, QuerySetClass
from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.statements import function_exits
from asyncdj_lint.syntax.walk import FunctionBodyVisitor, walk

Infer = Callable[[cst.BaseExpression], Value | None]


class Uncached(enum.Enum):
    """A method whose result a prefetch cache does not decide: the ordinary ORM result applies."""

    UNCACHED = "UNCACHED"


UNCACHED: Final = Uncached.UNCACHED

_PREFETCH = frozenset({"django.db.models.Prefetch", "django.db.models.query.Prefetch"})
# Lazy methods after which the rows are no longer what the QuerySet loaded.
_UNTRACKED = frozenset({"union", "intersection", "difference", "extra"})
# Methods of a related manager (or its prefetched `all()`) that read the prefetch cache.
CACHE_AWARE = frozenset(
    {
        "all",
        "count",
        "acount",
        "exists",
        "aexists",
        "first",
        "afirst",
        "last",
        "alast",
        "contains",
        "acontains",
    }
)


def manager_loading(methods: QuerySetClass) -> Loading | None:
    """A manager's rows load nothing extra unless it overrides get_queryset()."""
    return None if methods.method("get_queryset") is not None else NOTHING_LOADED


def after_method(loading: Loading | None, method: str, call: cst.Call | None, infer: Infer) -> Loading | None:
    """The loading of `qs.method(...)` given the loading of `qs`."""
    if loading is None or method in _UNTRACKED:
        return None
    if method not in ("select_related", "prefetch_related", "only", "defer"):
        return loading
    args = [] if call is None else [arg for arg in call.args if arg.keyword is None]
    if call is None or any(arg.star for arg in args) or len(args) != len(call.args) or not args:
        return None
    if method == "select_related":
        return _add_paths(loading, _all_known([string_value(arg.value) for arg in args]))
    if method == "prefetch_related":
        found = _all_known([_prefetch_paths(arg.value, infer) for arg in args])
        return None if found is None else _add_paths(loading, [path for paths in found for path in paths])
    names = _all_known([string_value(arg.value) for arg in args])
    if names is None:
        return None
    first = frozenset(name.split("__", 1)[0] for name in names)
    if method == "only":
        return replace(loading, only=first) if loading.only is None and not loading.deferred else None
    return replace(loading, deferred=loading.deferred | first) if loading.only is None else None


_T = TypeVar("_T")


def _all_known(items: list[_T | None]) -> list[_T] | None:
    """The items, unless one of them is unknown."""
    known = [item for item in items if item is not None]
    return known if len(known) == len(items) else None


def _add_paths(loading: Loading, paths: list[str] | None) -> Loading | None:
    if paths is None:
        return None
    added = set(loading.relations)
    for path in paths:
        parts = path.split("__")
        added.update("__".join(parts[: i + 1]) for i in range(len(parts)))
    return replace(loading, relations=frozenset(added))


def _prefetch_paths(expr: cst.BaseExpression, infer: Infer) -> list[str] | None:
    """The paths a prefetch_related() argument fills: a string or a Prefetch("path", queryset=...)."""
    text = string_value(expr)
    if text is not None:
        return [text]
    if not (isinstance(expr, cst.Call) and qualname_of(infer(expr.func)) in _PREFETCH):
        return None
    keywords = {arg.keyword.value: arg.value for arg in expr.args if arg.keyword is not None}
    positional = [arg.value for arg in expr.args if arg.keyword is None]
    lookup = string_value(positional[0]) if positional else string_value(keywords.get("lookup"))
    if lookup is None:
        return None
    if "to_attr" in keywords:  # the last step lands in a list attribute, not the relation
        parent = lookup.rpartition("__")[0]
        return [parent] if parent else []
    return [lookup + "__*"] if "queryset" in keywords or len(positional) > 1 else [lookup]


def below(loading: Loading | None, attr: str) -> Loading | None:
    """What a loaded relation's own instances come with."""
    if loading is None or f"{attr}__*" in loading.relations:
        return None
    prefix = attr + "__"
    paths = frozenset(path[len(prefix) :] for path in loading.relations if path.startswith(prefix))
    return Loading(relations=paths)


def related_value(index: ProjectIndex, owner: Instance, attr: str) -> Instance | RelatedManager | None:
    """The value of `instance.attr` when attr is a relation: an Instance or a RelatedManager."""
    relation = index.relations.relation(owner.model.qualname, attr)
    if relation is None or relation.target is None:
        return None
    target = index.model(relation.target)
    if target is None:
        return None
    loading = owner.loading
    loaded = None if loading is None else attr in loading.relations
    if relation.kind == "one":
        return Instance(target, below(loading, attr) if loaded else None)
    methods = default_manager(target)
    rows = below(loading, attr) if loaded else (manager_loading(methods) if loaded is False else None)
    return RelatedManager(target, methods, relation=relation, prefetched=loaded, rows=rows)


def default_manager(model: ModelInfo) -> QuerySetClass:
    if "objects" in model.managers:
        return model.managers["objects"]
    return next(iter(model.managers.values()), QuerySetClass("django.db.models.Manager"))


def related_method_result(manager: RelatedManager, method: str) -> QuerySet | Uncached | None:
    """`order.lines.all()` when the prefetch state matters; UNCACHED otherwise."""
    if method not in CACHE_AWARE or manager.prefetched is False:
        return UNCACHED
    if manager.prefetched and method == "all":
        return QuerySet(manager.model, manager.methods, cached=True, loading=manager.rows)
    return None


def cached_method_result(queryset: QuerySet, method: str) -> QuerySet | Uncached | None:
    """Methods of a prefetched `all()` QuerySet that are served from its cache."""
    if not queryset.cached or method not in CACHE_AWARE:
        return UNCACHED
    return queryset if method == "all" else None


def deferred_field(index: ProjectIndex, instance: Instance, attr: str) -> str | None:
    """The field name when reading `instance.attr` loads a deferred field, else None."""
    loading = instance.loading
    if loading is None or (loading.only is None and not loading.deferred):
        return None
    fields = index.relations.fields(instance.model.qualname)
    field = fields.attnames.get(attr, attr)
    if field not in fields.concrete or field in fields.primary_keys:
        return None
    if field in fields.relations and attr == field:
        return None  # the relation itself is ADJ201's
    if loading.only is not None:
        return field if field not in loading.only else None
    return field if field in loading.deferred else None


def async_iterated(
    body: cst.CSTNode, *, before: cst.CSTNode | None = None, parameters: bool = False
) -> set[str]:
    """Names a function body runs `async for` over, outside nested functions, and does not bind again.

    `async for` loads every row of a QuerySet into its result cache at once: after
    it, iterating or measuring that same QuerySet runs no query. With `before`,
    only what the body does ahead of that node (in source order) counts. With
    `parameters`, a name counts only while no assignment in the body has bound it
    (it still holds what the caller passed).
    """
    finder = _AsyncIterated(before, parameters)
    walk(body, finder)
    return finder.iterated


def returns_async_iterated(function: cst.FunctionDef) -> bool:
    """Whether every `return` of a function hands back a name its body ran `async for` over before
    it (`async for c in qs: ...` then `return qs`): the caller gets a QuerySet whose result cache
    is filled, so iterating or measuring it again runs no query."""
    returns, _ = function_exits(function)
    return bool(returns) and all(
        isinstance(found.value, cst.Name) and found.value.value in async_iterated(function.body, before=found)
        for found in returns
    )


class _AsyncIterated(FunctionBodyVisitor):
    def __init__(self, before: cst.CSTNode | None, parameters: bool) -> None:
        self.before = before
        self.parameters = parameters
        self.stopped = False
        self.iterated: set[str] = set()
        self.rebound: set[str] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.stopped or node is self.before:
            self.stopped = True
            return False
        return super().on_visit(node)

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None:
            self._fill(node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is not None:
            self._fill(node.iter)

    def _fill(self, iterated: cst.BaseExpression) -> None:
        if isinstance(iterated, cst.Name) and not (self.parameters and iterated.value in self.rebound):
            self.iterated.add(iterated.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if isinstance(node.target, cst.Name):
            self.iterated.discard(node.target.value)
            self.rebound.add(node.target.value)
