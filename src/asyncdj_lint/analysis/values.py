"""What an expression is known to be. `None` everywhere means unknown."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Final

from asyncdj_lint.index.project import ModelInfo, QuerySetClass
from asyncdj_lint.index.relations import Relation


class Pending(enum.Enum):
    """The value of a name whose inference is already under way (a cycle)."""

    PENDING = "PENDING"

    def __repr__(self) -> str:
        return "PENDING"


PENDING: Final = Pending.PENDING


@dataclass(frozen=True)
class Symbol:
    """A module, function or class outside what the analysis models, by qualified name."""

    qualname: str


@dataclass(frozen=True)
class Function(Symbol):
    """A project function or method, bound to `receiver` when reached through an object."""

    receiver: Value | None = None


@dataclass(frozen=True)
class Builtin:
    """A builtin function or class, by name (`len`, `list`, `super`)."""

    name: str


@dataclass(frozen=True)
class Loading:
    """What a query loads into the instances it yields.

    `relations` holds the relation paths that select_related/prefetch_related
    filled (`customer`, `customer__address`; `lines__*` when a Prefetch object's
    own QuerySet decides what lies below `lines`). `only` is the set of fields
    an only() call kept (None: no only()), `deferred` those defer() left out.
    """

    relations: frozenset[str] = frozenset()
    only: frozenset[str] | None = None
    deferred: frozenset[str] = frozenset()


NOTHING_LOADED = Loading()


@dataclass(frozen=True)
class ModelClass:
    model: ModelInfo


@dataclass(frozen=True)
class Manager:
    model: ModelInfo
    methods: QuerySetClass


@dataclass(frozen=True)
class QuerySet:
    model: ModelInfo
    methods: QuerySetClass
    row: str = "instance"  # what iteration yields: instance, dict, tuple, date, datetime
    # What its rows come with; None when unknown (then no relation is reported).
    loading: Loading | None = None
    # A prefetched related manager's `all()`: rows are already fetched.
    cached: bool = False


@dataclass(frozen=True)
class Instance:
    model: ModelInfo
    # What the query that produced it loaded; None when unknown.
    loading: Loading | None = None


@dataclass(frozen=True)
class Coroutine:
    """An un-awaited call to one of Django's async ORM methods."""

    api: str  # e.g. "aget", "asave"
    result: Value | None = None


@dataclass(frozen=True)
class ProjectObject:
    """An instance of a project class that is not a model (a class-based view, a service).

    `attributes`: what its `__init__` stored on `self` that the analysis knows (an instance
    passed to the constructor and what its query loaded), as sorted (name, value) pairs.
    """

    qualname: str
    attributes: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True)
class SuperProxy:
    """`super()` in a method of project class `owner`, bound to `receiver`."""

    owner: str
    receiver: Value


@dataclass(frozen=True)
class AsyncResult:
    """Calling an async project function (or a sync_to_async-decorated one): awaiting gives `result`."""

    result: Value | None = None


@dataclass(frozen=True)
class RowIterator:
    """`qs.iterator()` (is_async False) or `qs.aiterator()` (is_async True)."""

    queryset: QuerySet
    is_async: bool


@dataclass(frozen=True)
class Tuple:
    items: tuple[Value | None, ...]


@dataclass(frozen=True)
class RelatedManager(Manager):
    """`order.lines`, `product.tags`: a Manager of the target model bound to one instance.

    `prefetched` is True when prefetch_related filled it, None when unknown.
    """

    relation: Relation | None = None
    prefetched: bool | None = False
    rows: Loading | None = None  # what the instances it yields come with


@dataclass(frozen=True)
class Request:
    """The HttpRequest of an async view or middleware, passed on to a sync function.

    `session_loaded`: the async caller awaited something that loads the session
    (`request.auser()`, a session `a*` method), so the session's items are cached.
    """

    session_loaded: bool = False


@dataclass(frozen=True)
class RequestAttribute:
    """`request.user` or `request.session` of that request, passed on to a sync function."""

    attr: str


REQUEST = Request()

# What an expression is known to be; `Value | None` where it may be unknown.
Value = (
    ModelClass
    | Manager
    | QuerySet
    | Instance
    | Coroutine
    | AsyncResult
    | RowIterator
    | Tuple
    | Symbol
    | Builtin
    | ProjectObject
    | SuperProxy
    | Request
    | RequestAttribute
)

ORM_LAZY = (Manager, QuerySet)


# `None` as a value (the builtin constant), as inference sees the name.
NONE = Builtin("None")


def merge(first: Value | None, second: Value | None) -> Value | None:
    """One value for a name bound twice: equal values, or the same thing with unknown loading.

    `None` on one path and an instance or QuerySet on another is that instance or QuerySet:
    whatever evaluates it (`if qs:`, `for row in qs`) runs a query on the path where it is one.
    """
    if first == second:
        return first
    if first == NONE and isinstance(second, (Instance, QuerySet)):
        return second
    if second == NONE and isinstance(first, (Instance, QuerySet)):
        return first
    if isinstance(first, ProjectObject) and isinstance(second, ProjectObject):
        return ProjectObject(first.qualname) if first.qualname == second.qualname else None
    unknown_loading = _without_loading(first)
    if (
        unknown_loading is not None
        and type(first) is type(second)
        and unknown_loading == _without_loading(second)
    ):
        return unknown_loading
    return None


def _without_loading(value: Value | None) -> Instance | QuerySet | None:
    return replace(value, loading=None) if isinstance(value, (Instance, QuerySet)) else None


def qualname_of(value: Value | None) -> str | None:
    """The qualified name of a symbol, project function or project object; None for other values."""
    return value.qualname if isinstance(value, (Symbol, ProjectObject)) else None
