"""Views: the HTTP handlers a class-based view has, and which async views keep running as coroutines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from asyncdj_lint.facts.request_path import (
    HTTP_METHOD_NAMES,
    NON_ATOMIC_REQUESTS,
    django_view_handlers,
    generic_view,
)
from asyncdj_lint.facts.view_decorators import METHOD_DECORATOR, VIEW_DECORATORS
from asyncdj_lint.index.request_path.definitions import (
    DecoratorRef,
    Definitions,
    RequestClass,
    class_attributes,
)
from asyncdj_lint.index.request_path.settings_ops import list_parts
from asyncdj_lint.syntax.literals import bool_value
from asyncdj_lint.syntax.walk import Visitor, walk

# -- per file -------------------------------------------------------------------


def list_options(node: cst.ClassDef) -> tuple[tuple[str, bool | None], ...]:
    """ListView options that make its get() query: whether `paginate_by` is set, `allow_empty`."""
    return tuple(_list_options(node))


def _list_options(node: cst.ClassDef) -> Iterator[tuple[str, bool | None]]:
    for name, value in class_attributes(node):
        if name == "paginate_by":
            is_none = isinstance(value, cst.Name) and value.value == "None"
            yield name, False if is_none else (True if isinstance(value, cst.Integer) else None)
        elif name == "allow_empty":
            yield name, bool_value(value)


def http_method_names(node: cst.ClassDef) -> tuple[str, ...] | None:
    """The class's own `http_method_names`; () when not a literal, None when it sets none."""
    for name, value in class_attributes(node):
        if name == "http_method_names":
            parts = list_parts(value)
            if parts is None or any(p.name is not None or None in p.entries for p in parts):
                return ()  # not a literal: unknown, no handler is judged
            return tuple(entry for part in parts for entry in part.entries if entry)
    return None


def returns_call_of(inner: cst.FunctionDef, callee: str) -> bool:
    """Whether some `return` in `inner` returns `callee(...)` itself, directly or through a name."""
    finder = _ReturnedCalls(callee)
    walk(inner.body, finder)
    return finder.found


class _ReturnedCalls(Visitor):
    """`return callee(...)`, or `result = callee(...)` ... `return result`."""

    def __init__(self, callee: str) -> None:
        self.callee = callee
        self.found = False
        self.result_names: set[str] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def _is_call(self, value: cst.BaseExpression | None) -> bool:
        return (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and value.func.value == self.callee
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._is_call(node.value):
            self.result_names.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

    def visit_Return(self, node: cst.Return) -> None:
        value = node.value
        if self._is_call(value) or (isinstance(value, cst.Name) and value.value in self.result_names):
            self.found = True


# -- across the project -----------------------------------------------------------


@dataclass(frozen=True)
class ViewRef:
    """An async view a URLconf routes to."""

    qualname: str
    non_atomic: frozenset[str] | None  # aliases, None for "every alias"


class ViewIndex(Definitions):
    """The handlers of class-based views and the decorators around function views."""

    def handlers(self, qualname: str) -> dict[str, tuple[bool, str]] | None:
        """HTTP handler name -> (is async, defining class), as `View.view_is_async` sees them.

        `options` is left out, as Django does. None when the class is not known
        to be a Django View, or a base that could define handlers is unknown.
        """
        method_names: tuple[str, ...] | None = None
        found: dict[str, tuple[bool, str] | None] = {}  # None: decorated, mode unknown
        is_view = False
        for name, cls in self.ancestors(qualname):
            django_handlers = django_view_handlers(name)
            if django_handlers is not None:
                is_view = is_view or generic_view(name) is not None
                for handler in django_handlers:
                    found.setdefault(handler, (False, name.rpartition(".")[2]))
                continue
            if cls is None:
                return None
            if method_names is None and cls.http_method_names is not None:
                method_names = cls.http_method_names
            summary = self.class_summary(name)
            decorated = self._unknown_mode_methods(name, cls)
            for method in summary.methods if summary else ():
                found.setdefault(
                    method.name, (method.is_async, name) if method.name not in decorated else None
                )
        if not is_view or method_names == ():
            return None
        allowed = method_names or HTTP_METHOD_NAMES
        handlers = {m: found[m] for m in allowed if m != "options" and m in found}
        known = {m: handler for m, handler in handlers.items() if handler is not None}
        return known if len(known) == len(handlers) else None

    def _unknown_mode_methods(self, qualname: str, cls: RequestClass) -> set[str]:
        """Methods whose decorators may change whether they are coroutine functions.

        `method_decorator` keeps it (since Django 5.2; ADJ707 covers older versions).
        """
        module = qualname.rpartition(".")[0]
        return {
            method
            for method, decorators in cls.method_decorators
            if any(self.resolve_decorator(module, d) != METHOD_DECORATOR for d in decorators)
        }

    def list_get_queries(self, qualname: str) -> bool | None:
        """Whether ListView's get() runs a query for this class: it paginates, or refuses empty lists.

        None when a value is not a literal or the project overrides the getters.
        """
        values: dict[str, bool | None] = {}
        for name, cls in self.ancestors(qualname):
            if django_view_handlers(name) is not None:
                break
            summary = self.class_summary(name) if cls is not None else None
            if (
                cls is None
                or summary is None
                or summary.method("get_paginate_by")
                or summary.method("get_allow_empty")
            ):
                return None
            for option, value in cls.list_options:
                values.setdefault(option, value)
        paginates, allow_empty = values.get("paginate_by", False), values.get("allow_empty", True)
        if paginates is None or allow_empty is None:
            return None
        return paginates or not allow_empty

    def async_view(self, module: str, written: str, as_view: bool) -> ViewRef | None:
        """The async view `written` in `module` names, when Django runs it as a coroutine."""
        target = self.resolve_name(module, written)
        if target is None:
            return None
        if as_view:
            handlers = self.handlers(target)
            if not handlers or not all(is_async for is_async, _ in handlers.values()):
                return None
            found = self.request_class(target)
            refs = self._class_non_atomic(found) if found else None
            return ViewRef(target, refs)
        function = self.request_function(target)
        if function is None or not function[1].is_async:
            return None
        name, facts = function
        module = name.rpartition(".")[0]
        if not all(self._keeps_view_async(module, decorator) for decorator in facts.decorators):
            return None  # Django may not see a coroutine function (ADJ703's finding)
        return ViewRef(name, self._non_atomic(module, facts.decorators))

    def _keeps_view_async(self, module: str, decorator: DecoratorRef) -> bool:
        """non_atomic_requests, Django's view decorators, and project decorators with an async wrapper."""
        qualname = self.resolve_decorator(module, decorator)
        if qualname == NON_ATOMIC_REQUESTS or qualname in VIEW_DECORATORS:
            return True
        function = self.request_function(qualname) if qualname and not decorator.called else None
        return function is not None and function[1].async_wrapper

    def _non_atomic(self, module: str, decorators: tuple[DecoratorRef, ...]) -> frozenset[str] | None:
        aliases: set[str] = set()
        for decorator in decorators:
            if self.resolve_decorator(module, decorator) != NON_ATOMIC_REQUESTS:
                continue
            using: str | None = "default"
            if decorator.args or decorator.keywords:
                using = decorator.keyword("using") if not decorator.args else None
            if using is None:
                return None  # not a literal: it may name any alias
            aliases.add(using)
        return frozenset(aliases)

    def _class_non_atomic(self, found: tuple[str, RequestClass]) -> frozenset[str] | None:
        """`@method_decorator(transaction.non_atomic_requests, name="dispatch")` on a CBV."""
        name, cls = found
        module = name.rpartition(".")[0]
        decorated = [d for d in cls.decorators if self.resolve_decorator(module, d) == METHOD_DECORATOR] + [
            d
            for method, refs in cls.method_decorators
            if method == "dispatch"
            for d in refs
            if self.resolve_decorator(module, d) == METHOD_DECORATOR
        ]
        if any(self.resolve_name(module, d.first_arg) == NON_ATOMIC_REQUESTS for d in decorated):
            return None
        return frozenset()
