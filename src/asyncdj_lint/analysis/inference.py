"""Infers what an expression is: a model class, a manager, a QuerySet, an instance.

Flow-insensitive on purpose: a local name has a known value only when every
binding of it in its scope agrees; anything else is unknown, and unknown is
never reported. A miss costs less than a false positive.
"""

from __future__ import annotations

import builtins

import libcst as cst

from asyncdj_lint.analysis import loading, project_calls
from asyncdj_lint.analysis.project import Project
from asyncdj_lint.analysis.scopes import (
    Binding,
    DefinitionBinding,
    ImportBinding,
    IterBinding,
    ParamBinding,
    Scope,
    UnpackBinding,
    ValueBinding,
)
from asyncdj_lint.analysis.values import (
    ORM_LAZY,
    PENDING,
    AsyncResult,
    Builtin,
    Coroutine,
    Instance,
    Loading,
    Manager,
    ModelClass,
    Pending,
    ProjectObject,
    QuerySet,
    RelatedManager,
    RowIterator,
    SuperProxy,
    Symbol,
    Tuple,
    Value,
    merge,
)
from asyncdj_lint.facts import orm_api
from asyncdj_lint.facts.bridges import SYNC_TO_ASYNC
from asyncdj_lint.index import django_builtins
from asyncdj_lint.index.project import ModelInfo, QuerySetClass
from asyncdj_lint.syntax.names import absolute_target

BUILTIN_NAMES = frozenset(dir(builtins))

# What inference yields inside one lookup: PENDING while a name's own value is being inferred.
_Inferred = Value | Pending | None

# Django shortcuts that fetch one instance of the model (or QuerySet) given first.
_INSTANCE_SHORTCUTS = {
    "django.shortcuts.get_object_or_404": False,
    "django.shortcuts.aget_object_or_404": True,
}


# Nested inference steps (chain links, helper calls followed) before a value counts as unknown.
_MAX_DEPTH = 64


class Inference:
    def __init__(self, project: Project, module: str, is_package: bool) -> None:
        self.project = project
        self.index = project.index
        self.module = module
        self.is_package = is_package
        # What the session learnt about project functions and classes, shared by every file.
        self.memo = project.memo
        self._in_progress: set[tuple[int, str]] = set()
        self._depth = 0
        # What `self` is in a method whose body is analysed for a given receiver, by id(FunctionDef).
        # Set once, before the first inference (values are remembered).
        self.receivers: dict[int, Value] = {}
        # What the parameters of a function whose body is analysed for one call are bound to
        # (the caller's arguments), by id(FunctionDef) and parameter name; set as `receivers`.
        self.arguments: dict[int, dict[str, Value]] = {}
        # Values found from a clean start (no unfinished function in play), which depend on the
        # expression, its scope and the receivers and arguments above: rules ask for the same
        # ones often.
        self._known: dict[tuple[cst.BaseExpression, Scope], Value | None] = {}

    # -- entry point -------------------------------------------------------

    def infer(self, expr: cst.BaseExpression, scope: Scope) -> Value | None:
        """The value of `expr` evaluated in `scope`, or None when unknown."""
        clean = not (self._depth or self._in_progress)
        if clean and (expr, scope) in self._known:
            return self._known[expr, scope]
        inferred = self._infer(expr, scope)
        value = None if inferred is PENDING else inferred
        if clean:
            self._known[expr, scope] = value
        return value

    def _infer(self, expr: cst.BaseExpression, scope: Scope) -> _Inferred:
        """Bounded: past _MAX_DEPTH nested steps (a chain of 500 `.filter()` calls) the value is
        unknown, so a long chain costs linear time and never exhausts the stack."""
        if self._depth >= _MAX_DEPTH:
            return None
        self._depth += 1
        try:
            return self._infer_step(expr, scope)
        finally:
            self._depth -= 1

    def _infer_step(self, expr: cst.BaseExpression, scope: Scope) -> _Inferred:
        if isinstance(expr, cst.Name):
            return self._infer_name(expr.value, scope)
        if isinstance(expr, cst.Attribute):
            return self._infer_attribute(expr, scope)
        if isinstance(expr, cst.Call):
            return self._infer_call(expr, scope)
        if isinstance(expr, cst.Await):
            awaited = self._infer(expr.expression, scope)
            if awaited is PENDING:
                return PENDING
            return awaited.result if isinstance(awaited, (Coroutine, AsyncResult)) else None
        if isinstance(expr, cst.Subscript):
            return self._infer_subscript(expr, scope)
        if isinstance(expr, cst.Tuple):
            return self._infer_tuple(expr, scope)
        return None

    def _infer_tuple(self, expr: cst.Tuple, scope: Scope) -> Tuple | None:
        """`order, lines` (a function's `return order, lines`): a tuple when an item is known."""
        if any(isinstance(element, cst.StarredElement) for element in expr.elements):
            return None
        items = tuple(self.infer(element.value, scope) for element in expr.elements)
        return Tuple(items) if any(item is not None for item in items) else None

    # -- names ---------------------------------------------------------------

    def _infer_name(self, name: str, scope: Scope) -> _Inferred:
        found = scope.lookup(name)
        if found is None:
            return Builtin(name) if name in BUILTIN_NAMES else None
        owner, bindings = found
        key = (id(owner), name)
        if key in self._in_progress:
            return PENDING
        self._in_progress.add(key)
        try:
            values = [self._infer_binding(binding, owner) for binding in bindings]
        finally:
            self._in_progress.discard(key)
        known = [value for value in values if value is not PENDING]
        if not known:
            return PENDING
        merged: Value | None = known[0]
        for value in known[1:]:
            merged = merge(merged, value)
        return merged

    def _infer_binding(self, binding: Binding, scope: Scope) -> _Inferred:
        if isinstance(binding, ValueBinding):
            return self._infer(binding.node, scope)
        if isinstance(binding, UnpackBinding):
            value = self._infer(binding.node, scope)
            if isinstance(value, Tuple) and binding.index < len(value.items):
                return value.items[binding.index]
            return value if value is PENDING else None
        if isinstance(binding, IterBinding):
            return self._iteration_row(self._infer(binding.node, scope), binding.is_async)
        if isinstance(binding, ParamBinding):
            passed = self.arguments.get(id(scope.node), {}).get(binding.node.name.value)
            if passed is not None:
                return passed
            annotated = self._annotated(binding.node, scope)
            return (
                annotated if annotated is not None else project_calls.receiver_of(self, binding.node, scope)
            )
        if isinstance(binding, ImportBinding):
            return self.symbol_value(absolute_target(binding.target, self.module, self.is_package))
        if isinstance(binding, DefinitionBinding) and scope.parent is None:
            return self.symbol_value(f"{self.module}.{binding.node.name.value}")
        return None

    def symbol_value(self, qualname: str) -> Value | None:
        canonical = self.index.canonical(qualname)
        if canonical.endswith("()"):
            if canonical[:-2] in django_builtins.MODEL_FACTORIES:
                model = self.index.model(self.index.user_model)
                return ModelClass(model) if model else None
            return project_calls.module_level_instance(self.index, canonical[:-2])
        model = self.index.model(canonical)
        return ModelClass(model) if model is not None else Symbol(canonical)

    def _annotated(self, param: cst.Param, scope: Scope) -> Value | None:
        """`product: Product` is an instance; `qs: QuerySet[Product]` a QuerySet."""
        if param.annotation is None:
            return None
        return self.annotated(param.annotation.annotation, scope)

    def annotated(self, annotation: cst.BaseExpression, scope: Scope) -> Value | None:
        """What a value annotated `annotation` is: `Product` an instance (what it loaded unknown),
        `QuerySet[Product]` a QuerySet, `tuple[Order, QuerySet[Line]]` a tuple of those;
        `X | None` and `Optional[X]` what `X` is (as a name that is None on another path)."""
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            sides = [side for side in (annotation.left, annotation.right) if not _is_none(side)]
            return self.annotated(sides[0], scope) if len(sides) == 1 else None
        if not isinstance(annotation, cst.Subscript):
            value = self._infer(annotation, scope)
            return Instance(value.model) if isinstance(value, ModelClass) else None
        items = [element.slice for element in annotation.slice]
        if not all(isinstance(item, cst.Index) for item in items):
            return None
        arguments = [item.value for item in items if isinstance(item, cst.Index)]
        if _is_tuple_annotation(annotation):
            if any(isinstance(argument, cst.Ellipsis) for argument in arguments):
                return None  # `tuple[Order, ...]`: any length
            values = tuple(self.annotated(argument, scope) for argument in arguments)
            return Tuple(values) if any(value is not None for value in values) else None
        if len(arguments) != 1:
            return None
        container = self._infer(annotation.value, scope)
        qualname = container.qualname if isinstance(container, Symbol) else None
        if qualname == "typing.Optional":
            return self.annotated(arguments[0], scope)
        inner = self._infer(arguments[0], scope) if qualname in _QUERYSET_ANNOTATIONS else None
        return _queryset(inner.model, "objects") if isinstance(inner, ModelClass) else None

    # -- attributes and calls ----------------------------------------------

    def _infer_attribute(self, expr: cst.Attribute, scope: Scope) -> _Inferred:
        owner = self._infer(expr.value, scope)
        attr = expr.attr.value
        if owner is PENDING:
            return PENDING
        if isinstance(owner, ModelClass):
            methods = owner.model.managers.get(attr)
            if methods is None and attr in ("_default_manager", "_base_manager"):
                methods = QuerySetClass("django.db.models.Manager")
            if methods is None:
                return project_calls.model_method(self, owner, attr)
            return Manager(owner.model, methods)
        if isinstance(owner, Symbol):
            return self.symbol_value(f"{owner.qualname}.{attr}")
        if isinstance(owner, (Instance, ProjectObject, SuperProxy)):
            method = project_calls.attribute(self, owner, attr)
            if method is not None or not isinstance(owner, Instance):
                return method
            return loading.related_value(self.index, owner, attr)
        return None

    def _infer_call(self, call: cst.Call, scope: Scope) -> _Inferred:
        func = call.func
        if isinstance(func, cst.Attribute):
            receiver = self._infer(func.value, scope)
            if receiver is PENDING:
                return PENDING
            result = self.method_result(receiver, func.attr.value, call, scope)
            if result is not None or not isinstance(
                receiver, (Instance, ProjectObject, SuperProxy, Symbol, ModelClass)
            ):
                return result
        if isinstance(func, cst.Call):
            return self._bridged_call(func, scope)
        callee = self._infer(func, scope)
        if callee is PENDING:
            return PENDING
        if isinstance(callee, ModelClass):
            return Instance(callee.model)
        if callee == Builtin("super") and not call.args:
            return project_calls.super_proxy(self, scope)
        if isinstance(callee, Symbol) and callee.qualname in django_builtins.MODEL_FACTORIES:
            return self.symbol_value(callee.qualname + "()")
        if isinstance(callee, Symbol) and callee.qualname in _INSTANCE_SHORTCUTS and call.args:
            return self._shortcut_result(call, scope, is_async=_INSTANCE_SHORTCUTS[callee.qualname])
        if isinstance(callee, Symbol):
            return project_calls.call_result(self, callee, call, scope)
        return None

    def _bridged_call(self, bridge: cst.Call, scope: Scope) -> _Inferred:
        """`sync_to_async(f)(...)`: awaiting it gives what `f(...)` returns in the thread: the
        instance a class makes (its methods, called later, run wherever they are called), an
        ORM method's row or QuerySet, a project function's return value."""
        if len(bridge.args) != 1 or bridge.args[0].keyword is not None or bridge.args[0].star:
            return None
        runner = self._infer(bridge.func, scope)
        if runner is PENDING or not isinstance(runner, Symbol) or runner.qualname not in SYNC_TO_ASYNC:
            return None
        wrapped_expr = bridge.args[0].value
        if isinstance(wrapped_expr, cst.Attribute):
            receiver = self._infer(wrapped_expr.value, scope)
            if receiver is PENDING:
                return PENDING
            if isinstance(receiver, ORM_LAZY):
                return AsyncResult(self.method_result(receiver, wrapped_expr.attr.value))
        wrapped = self._infer(wrapped_expr, scope)
        if wrapped is PENDING:
            return PENDING
        if isinstance(wrapped, ModelClass):
            return AsyncResult(Instance(wrapped.model))
        if isinstance(wrapped, Symbol):
            result = project_calls.call_result(self, wrapped)
            # `sync_to_async` of an async function fails at once (ADJ401's TypeError): no result.
            return None if isinstance(result, AsyncResult) else AsyncResult(result)
        return None

    def _shortcut_result(self, call: cst.Call, scope: Scope, *, is_async: bool) -> Value | None:
        target = self._infer(call.args[0].value, scope)
        if isinstance(target, ModelClass):
            rows = loading.manager_loading(loading.default_manager(target.model))
        elif isinstance(target, ORM_LAZY):
            rows = target.loading if isinstance(target, QuerySet) else loading.manager_loading(target.methods)
        else:
            return None
        instance = Instance(target.model, rows)
        return Coroutine("aget_object_or_404", instance) if is_async else instance

    def method_result(
        self, receiver: Value | None, method: str, call: cst.Call | None = None, scope: Scope | None = None
    ) -> Value | None:
        """What calling `receiver.method(...)` returns (None when unknown)."""
        if isinstance(receiver, ORM_LAZY):
            special = self._cache_result(receiver, method)
            if special is not loading.UNCACHED:
                return special
            rows = self._rows_after(receiver, method, call, scope)
            return self._orm_method_result(receiver, method, rows)
        if isinstance(receiver, Instance) and method in orm_api.INSTANCE_ASYNC_METHODS:
            return Coroutine(method)
        return None

    @staticmethod
    def _cache_result(receiver: Manager | QuerySet, method: str) -> QuerySet | loading.Uncached | None:
        if isinstance(receiver, RelatedManager):
            return loading.related_method_result(receiver, method)
        if isinstance(receiver, QuerySet):
            return loading.cached_method_result(receiver, method)
        return loading.UNCACHED

    def _rows_after(
        self, receiver: Manager | QuerySet, method: str, call: cst.Call | None, scope: Scope | None
    ) -> Loading | None:
        """What the rows of `receiver.method(...)` come with."""
        if isinstance(receiver, QuerySet):
            before = receiver.loading
        elif isinstance(receiver, RelatedManager):
            before = receiver.rows
        else:
            before = loading.manager_loading(receiver.methods)
        if receiver.methods.method(method) is not None:
            return None

        def infer(expr: cst.BaseExpression) -> Value | None:
            return self.infer(expr, scope) if scope is not None else None

        return loading.after_method(before, method, call, infer)

    def _orm_method_result(
        self, receiver: Manager | QuerySet, method: str, rows: Loading | None
    ) -> Value | None:
        model, methods = receiver.model, receiver.methods
        row = receiver.row if isinstance(receiver, QuerySet) else "instance"
        custom = methods.method(method)
        if custom is not None:
            if custom.returns == "queryset" and not custom.is_async:
                return QuerySet(model, methods, row)
            return Coroutine(method) if custom.is_async else None
        if method in orm_api.LAZY_METHODS:
            return QuerySet(model, methods, orm_api.ROW_SHAPES.get(method, row), rows)
        if method in ("iterator", "aiterator"):
            return RowIterator(QuerySet(model, methods, row, rows), is_async=method == "aiterator")
        sync_name = orm_api.ASYNC_METHODS.get(method, method)
        result = self._blocking_result(model, row, sync_name, rows)
        if method in orm_api.ASYNC_METHODS:
            return Coroutine(method, result)
        return result

    @staticmethod
    def _blocking_result(model: ModelInfo, row: str, method: str, rows: Loading | None) -> Value | None:
        if row != "instance":
            return None
        if method in orm_api.INSTANCE_METHODS:
            # create() caches the related objects it is given: their loading is unknown.
            return Instance(model, None if method == "create" else rows)
        if method in orm_api.INSTANCE_TUPLE_METHODS:
            return Tuple((Instance(model), None))
        return None

    def _infer_subscript(self, expr: cst.Subscript, scope: Scope) -> _Inferred:
        value = self._infer(expr.value, scope)
        if value is PENDING:
            return PENDING
        if not isinstance(value, QuerySet) or len(expr.slice) != 1:
            return None
        index = expr.slice[0].slice
        if isinstance(index, cst.Slice):
            return value if index.step is None else None
        return Instance(value.model, value.loading) if value.row == "instance" else None

    @staticmethod
    def _iteration_row(iterable: _Inferred, is_async: bool) -> _Inferred:
        """What a (possibly async) for loop over `iterable` binds, if the loop works."""
        if iterable is PENDING:
            return PENDING
        if isinstance(iterable, RowIterator):
            iterable = iterable.queryset if iterable.is_async == is_async else None
        if isinstance(iterable, QuerySet) and iterable.row == "instance":
            return Instance(iterable.model, iterable.loading)
        return None


_QUERYSET_ANNOTATIONS = frozenset({"django.db.models.QuerySet", "django.db.models.query.QuerySet"})
_TUPLE_ANNOTATIONS = frozenset({"tuple", "Tuple"})


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _is_tuple_annotation(annotation: cst.Subscript) -> bool:
    container = annotation.value
    name = container.attr.value if isinstance(container, cst.Attribute) else getattr(container, "value", None)
    return name in _TUPLE_ANNOTATIONS


def _queryset(model: ModelInfo, manager: str) -> QuerySet:
    methods = model.managers.get(manager) or QuerySetClass("django.db.models.QuerySet")
    return QuerySet(model, methods)  # a parameter: what its rows load is unknown
