"""Middleware: what a class or factory does with get_response, and the flags Django reads from it."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.facts.request_path import (
    DEFAULT_FLAGS,
    KNOWN_MIDDLEWARE_FLAGS,
    MIDDLEWARE_DECORATORS,
    MIDDLEWARE_MIXIN,
)
from asyncdj_lint.index.request_path.definitions import (
    CallableFacts,
    DecoratorRef,
    class_attributes,
    positional_params,
)
from asyncdj_lint.index.request_path.settings import SettingsIndex
from asyncdj_lint.syntax.literals import bool_value
from asyncdj_lint.syntax.names import dotted_name
from asyncdj_lint.syntax.walk import Visitor, walk

# Names that tell a sync-and-async middleware which mode it runs in.
MODE_CHECKS = frozenset({"iscoroutinefunction", "async_mode", "markcoroutinefunction"})


# -- per file -------------------------------------------------------------------


def stored_param(init: cst.FunctionDef) -> str | None:
    """`def __init__(self, get_response): self.get_response = get_response` -> "get_response"."""
    params = positional_params(init)
    if len(params) != 2:
        return None
    for statement in init.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.value, cst.Name)
                and small.value.value == params[1]
                and (target := dotted_name(small.targets[0].target)) is not None
                and target.startswith("self.")
                and target.count(".") == 1
            ):
                return target.split(".", 1)[1]
    return None


def callable_facts(node: cst.FunctionDef, target: tuple[str, ...] | None) -> CallableFacts:
    """Whether `node` calls `target` (the wrapped get_response) and reads that call's result."""
    finder = _NextCallFinder(".".join(target) if target else None)
    walk(node.body, finder)
    return CallableFacts(node.asynchronous is not None, finder.calls, finder.uses_response, finder.failure)


class _NextCallFinder(Visitor):
    """Finds calls of the wrapped get_response in one function and uses of their result."""

    def __init__(self, callee: str | None) -> None:
        self.callee = callee
        self.calls = False
        self.uses_response = False
        self.failure = ""  # what the first use raises on a coroutine
        self.result_names: set[str] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def _is_next_call(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Await):
            expr = expr.expression
        return (
            isinstance(expr, cst.Call) and self.callee is not None and dotted_name(expr.func) == self.callee
        )

    def visit_Call(self, node: cst.Call) -> None:
        if self._is_next_call(node):
            self.calls = True

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Subscript):
                self._check_use(target.target.value, "does not support item assignment")
        if self._is_next_call(node.value):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.result_names.add(target.target.value)

    def visit_Del(self, node: cst.Del) -> None:
        if isinstance(node.target, cst.Subscript):
            self._check_use(node.target.value, "does not support item deletion")

    def _check_use(self, value: cst.BaseExpression, failure: str) -> None:
        if isinstance(value, cst.Name) and value.value in self.result_names or self._is_next_call(value):
            self.uses_response = True
            if not self.failure:
                kind = "AttributeError" if failure.startswith("has no") else "TypeError"
                self.failure = f"{kind}: 'coroutine' object {failure}"

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._check_use(node.value, f"has no attribute '{node.attr.value}'")

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._check_use(node.value, "is not subscriptable")


def mentions(node: cst.CSTNode, names: frozenset[str]) -> bool:
    """Whether a name in `names` occurs anywhere under `node`."""
    finder = _NameFinder(names)
    walk(node, finder)
    return finder.found


class _NameFinder(Visitor):
    def __init__(self, names: frozenset[str]) -> None:
        self.names = names
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.found = True


def marks_coroutine(init: cst.FunctionDef) -> bool:
    """`markcoroutinefunction(self)`, or the older `self._is_coroutine = ...` recipe."""
    return mentions(init.body, frozenset({"markcoroutinefunction", "_is_coroutine"}))


def class_flags(node: cst.ClassDef) -> tuple[tuple[str, bool | None], ...]:
    """`sync_capable = ...` and `async_capable = ...` in the class body: their values when literal."""
    return tuple(
        (name, bool_value(value))
        for name, value in class_attributes(node)
        if name in ("sync_capable", "async_capable")
    )


# -- across the project -----------------------------------------------------------


class MiddlewareIndex(SettingsIndex):
    """The flags and shape of the project's middleware, and whether the settings list it."""

    def middleware_flags(self, qualname: str) -> tuple[bool, bool] | None:
        """(sync_capable, async_capable) of a middleware factory, None when unknown."""
        canonical = self.index.canonical(qualname)
        if canonical in KNOWN_MIDDLEWARE_FLAGS:
            return KNOWN_MIDDLEWARE_FLAGS[canonical]
        function = self.request_function(canonical)
        if function is not None:
            name, facts = function
            return (
                None
                if self._patched(name)
                else self._decorator_flags(name.rpartition(".")[0], facts.decorators)
            )
        found = self.request_class(canonical)
        if found is None:
            return None
        name, _ = found
        sync_capable = self._class_flag(name, "sync_capable")
        async_capable = self._class_flag(name, "async_capable")
        if sync_capable is None or async_capable is None:
            return None
        return sync_capable, async_capable

    def _decorator_flags(self, module: str, decorators: tuple[DecoratorRef, ...]) -> tuple[bool, bool] | None:
        """The flags a middleware decorator sets; None for any other decoration."""
        if not decorators:
            return DEFAULT_FLAGS
        if len(decorators) == 1:
            return MIDDLEWARE_DECORATORS.get(self.resolve_decorator(module, decorators[0]) or "")
        return None

    def _class_flag(self, qualname: str, flag: str) -> bool | None:
        """The flag's value as Django's getattr on the class finds it; None when unknown."""
        position = flag == "async_capable"
        for name, cls in self.ancestors(qualname):
            if name in KNOWN_MIDDLEWARE_FLAGS:
                return KNOWN_MIDDLEWARE_FLAGS[name][position]
            if cls is None or self._patched(name):
                return None  # a class outside the project, or flags set after the class body
            if cls.decorators:
                flags = self._decorator_flags(name.rpartition(".")[0], cls.decorators)
                return None if flags is None else flags[position]
            declared, value = cls.flag(flag)
            if declared:
                return value
        return DEFAULT_FLAGS[position]

    def _patched(self, qualname: str) -> bool:
        module, _, attr = qualname.rpartition(".")
        return attr in self.index.modules[module].request_path.patched_flags

    def marks_coroutine(self, qualname: str) -> bool | None:
        """Whether the `__init__` the class runs calls `markcoroutinefunction(self)`; None when unknown."""
        for name, cls in self.ancestors(qualname):
            if name == MIDDLEWARE_MIXIN:
                return True
            if cls is None:
                return None
            if cls.marks_coroutine is not None:
                return cls.marks_coroutine
        return False

    def mixin_calls_hooks(self, qualname: str) -> bool:
        """Whether MiddlewareMixin's own `__call__` runs the class's process_request/process_response."""
        for name, cls in self.ancestors(qualname):
            if name == MIDDLEWARE_MIXIN:
                return True
            summary = self.class_summary(name) if cls is not None else None
            if summary is None or summary.method("__call__") or summary.method("__acall__"):
                return False
        return False

    def has_async_callable(self, qualname: str) -> bool:
        """Whether a project middleware's `__call__` (or a factory's inner function) is `async def`."""
        found = self.request_class(qualname)
        if found is not None:
            return found[1].call is not None and found[1].call.is_async
        function = self.request_function(qualname)
        inner = function[1].middleware_inner if function is not None else None
        return inner is not None and inner.is_async

    def is_listed_middleware(self, qualname: str, settings_module: str | None) -> bool:
        return qualname in {self.index.canonical(m) for m in self.settings(settings_module).middleware}
