"""Classes and functions as the request path sees them, and how a name written in one module finds them.

The facts dataclasses are per-file (part of a module summary, keyed by the
names as written); `Definitions` resolves them across the project, and the
middleware, view and URL indexes build on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import libcst as cst

from asyncdj_lint.facts.request_path import django_view_handlers
from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.names import dotted_name

if TYPE_CHECKING:
    from asyncdj_lint.index.project import ProjectIndex
    from asyncdj_lint.index.request_path.summary import RequestPathSummary
    from asyncdj_lint.index.summary import ClassSummary

_Facts = TypeVar("_Facts")

MAX_DEPTH = 20  # how far to follow bases and star imports before giving up


@dataclass(frozen=True)
class DecoratorRef:
    """A decorator as written: `name` or `name(first_arg, key=literal)`."""

    name: str
    called: bool = False
    args: int = 0  # positional arguments
    first_arg: str | None = None
    keywords: tuple[tuple[str, str | None], ...] = ()

    def keyword(self, key: str) -> str | None:
        return dict(self.keywords).get(key)


@dataclass(frozen=True)
class CallableFacts:
    """What a middleware callable does: `__call__` of a class, or a factory's inner function."""

    is_async: bool
    # Calls the get_response it was given (`self.get_response(request)`).
    calls_next: bool = False
    # Reads an attribute or item of that call's result (`response["X"] = ...`).
    uses_response: bool = False
    # What the first such use raises when the result is a coroutine (an async view's):
    # "TypeError: 'coroutine' object does not support item assignment"; "" when unused.
    response_failure: str = ""


@dataclass(frozen=True)
class RequestClass:
    """A class, as a middleware or a class-based view sees it."""

    decorators: tuple[DecoratorRef, ...] = ()
    # sync_capable / async_capable class attributes: True/False, None when not a literal.
    flags: tuple[tuple[str, bool | None], ...] = ()
    # `__init__(self, get_response)` stores it and `__call__(self, request)` calls
    # it: the name of that parameter, else None.
    middleware_param: str | None = None
    call: CallableFacts | None = None
    checks_mode: bool = False  # uses iscoroutinefunction / async_mode anywhere
    marks_coroutine: bool | None = None  # None: defines no __init__
    http_method_names: tuple[str, ...] | None = None
    # ListView options that make its get() query: ("paginate_by", set to a value
    # other than None), ("allow_empty", value); None when not a literal.
    list_options: tuple[tuple[str, bool | None], ...] = ()
    method_decorators: tuple[tuple[str, tuple[DecoratorRef, ...]], ...] = ()

    def flag(self, name: str) -> tuple[bool, bool | None]:
        """(declared here, value)."""
        values = dict(self.flags)
        return name in values, values.get(name)


@dataclass(frozen=True)
class RequestFunction:
    """A module-level function: a view, a view decorator or a middleware factory."""

    is_async: bool
    decorators: tuple[DecoratorRef, ...] = ()
    # `def deco(view): def wrapper(...): return view(...)`: a sync wrapper that
    # calls the decorated function without awaiting it.
    sync_wrapper: bool = False
    # `def deco(view): async def wrapper(...): ...; return wrapper`: keeps a view async.
    async_wrapper: bool = False
    # `def factory(get_response): async def middleware(request): ...; return middleware`:
    # the factory's parameter and the inner function.
    middleware_param: str | None = None
    middleware_inner: CallableFacts | None = None
    checks_mode: bool = False
    # What a sync wrapper's first use of the view's result raises on a coroutine ("" when
    # it only returns it: Django then raises ValueError for the unawaited coroutine).
    wrapper_failure: str = ""


def decorator_refs(decorators: Sequence[cst.Decorator]) -> tuple[DecoratorRef, ...]:
    refs = []
    for decorator in decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            name = dotted_name(expr.func)
            if name is None:
                continue
            positional = [arg.value for arg in expr.args if arg.keyword is None and not arg.star]
            keywords = tuple(
                (arg.keyword.value, string_value(arg.value)) for arg in expr.args if arg.keyword is not None
            )
            first = dotted_name(positional[0]) if positional else None
            refs.append(
                DecoratorRef(name, called=True, args=len(positional), first_arg=first, keywords=keywords)
            )
        elif (name := dotted_name(expr)) is not None:
            refs.append(DecoratorRef(name))
    return tuple(refs)


def positional_params(node: cst.FunctionDef) -> list[str]:
    """The required positional parameters; empty when the signature also takes `*args`, `**kw` or keywords."""
    params = node.params
    if params.star_arg is not cst.MaybeSentinel.DEFAULT and isinstance(params.star_arg, cst.Param):
        return []
    if params.kwonly_params or params.star_kwarg is not None:
        return []
    return [p.name.value for p in (*params.posonly_params, *params.params) if p.default is None]


def class_attributes(node: cst.ClassDef) -> Iterator[tuple[str, cst.BaseExpression]]:
    """`name = value` and `name: T = value` in a class body."""
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        yield target.target.value, small.value
            elif (
                isinstance(small, cst.AnnAssign)
                and small.value is not None
                and isinstance(small.target, cst.Name)
            ):
                yield small.target.value, small.value


class Definitions:
    """Finds the project's classes and functions by the names modules use for them."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    def find_module(self, name: str) -> str | None:
        """The module named `name`, also when the project is linted from above its import root."""
        parts = name.split(".")
        for start in range(len(parts)):
            candidate = ".".join(parts[start:])
            if candidate in self.index.modules:
                return candidate
        return None

    def request_class(self, qualname: str) -> tuple[str, RequestClass] | None:
        """The canonical name and facts of a project class."""
        return self._defined(qualname, "class", lambda facts: facts.classes)

    def request_function(self, qualname: str) -> tuple[str, RequestFunction] | None:
        """The canonical name and facts of a project module-level function."""
        return self._defined(qualname, "def", lambda facts: facts.functions)

    def _defined(
        self, qualname: str, keyword: str, table: Callable[[RequestPathSummary], Mapping[str, _Facts]]
    ) -> tuple[str, _Facts] | None:
        """(canonical name, facts) where a project class or function is defined."""
        module, _, attr = self.index.canonical(qualname).rpartition(".")
        found = self.find_module(module) if module else None
        # A module whose text defines no such name is not parsed for its request-path facts.
        if found is None or not self.index.mentions(found, f"{keyword} {attr}"):
            return None
        facts = table(self.index.modules[found].request_path).get(attr)
        return None if facts is None else (f"{found}.{attr}", facts)

    def resolve_decorator(self, module: str, decorator: DecoratorRef) -> str | None:
        return self.resolve_name(module, decorator.name)

    def resolve_name(self, module: str, dotted: str | None) -> str | None:
        """The canonical name `dotted`, written in `module`, refers to (functions included)."""
        if dotted is None:
            return None
        target = self.index.resolve(module, dotted)
        if target is None and dotted in self.index.modules[module].request_path.functions:
            return f"{module}.{dotted}"
        return self.index.canonical(target) if target is not None else None

    def class_summary(self, qualname: str) -> ClassSummary | None:
        module, _, attr = qualname.rpartition(".")
        return self.index.modules[module].classes.get(attr)

    def ancestors(self, qualname: str) -> Iterator[tuple[str, RequestClass | None]]:
        """The class and its bases in (approximately) method resolution order.

        Project classes come with their facts; a class outside the project
        (and any of Django's views and view mixins) comes with None and its
        bases are not followed. Stops at a base that cannot be resolved,
        yielding ("?", None).
        """
        seen: set[str] = set()
        yield from self._ancestors(qualname, seen, 0)

    def _ancestors(
        self, qualname: str, seen: set[str], depth: int
    ) -> Iterator[tuple[str, RequestClass | None]]:
        found = self.request_class(qualname) if django_view_handlers(qualname) is None else None
        canonical = found[0] if found else self.index.canonical(qualname)
        if canonical in seen or depth > MAX_DEPTH:
            return
        seen.add(canonical)
        if found is None:
            yield canonical, None
            return
        yield canonical, found[1]
        module = canonical.rsplit(".", 1)[0]
        cls = self.class_summary(canonical)
        for base in cls.bases if cls is not None else ():
            if base == "object":
                continue
            target = self.index.resolve(module, base)
            if target is None:
                yield "?", None
                return
            yield from self._ancestors(target, seen, depth + 1)

    def inherits(self, qualname: str, base: str) -> bool:
        return any(name == base for name, _ in self.ancestors(qualname))
