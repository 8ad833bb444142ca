"""Values through project functions: what a call returns, what `self` and `super()` are.

A call to a project function is followed into its body (from the tree
provider of `Project`, which parses a module on first use) and its return value inferred there, once per
function and receiver. Unknown stays unknown: a function whose returns
disagree, a decorator the analysis does not know, recursion.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeVar

import libcst as cst

from asyncdj_lint.analysis import loading
from asyncdj_lint.analysis.scopes import Scope
from asyncdj_lint.analysis.values import (
    AsyncResult,
    Function,
    Instance,
    ModelClass,
    ProjectObject,
    QuerySet,
    SuperProxy,
    Symbol,
    Value,
    merge,
)
from asyncdj_lint.index.functions import FunctionRef
from asyncdj_lint.syntax.walk import FunctionBodyVisitor, Visitor, walk

if TYPE_CHECKING:
    from asyncdj_lint.analysis.inference import Inference
    from asyncdj_lint.analysis.project import Project
    from asyncdj_lint.index.project import ProjectIndex
    from asyncdj_lint.sources import ParsedFile

# Django's generic views whose get_queryset() builds on `queryset` or `model`.
_GENERIC_VIEW_PACKAGES = ("django.views.generic.",)
_GENERIC_GET_QUERYSET = "django.views.generic.list.MultipleObjectMixin.get_queryset"


def project_function(index: ProjectIndex, value: Value | None) -> FunctionRef | None:
    """The project function a callee value denotes, if any."""
    if not isinstance(value, Symbol):
        return None
    return index.functions.function(value.qualname)


def call_result(inference: Inference, callee: Symbol) -> Value | None:
    """What calling a project function or class returns; None when unknown or not a project callee."""
    index = inference.index
    if isinstance(callee, Function) and callee.qualname == _GENERIC_GET_QUERYSET:
        return generic_get_queryset(inference.project, callee.receiver)
    ref = project_function(index, callee)
    if ref is not None:
        kind = index.functions.call_kind(ref)
        if kind == "opaque":
            return None
        result = return_value(
            inference.project, ref, callee.receiver if isinstance(callee, Function) else None
        )
        return AsyncResult(result) if kind in ("async", "thread") else result
    if index.functions.is_project_class(callee.qualname):
        return ProjectObject(index.canonical(callee.qualname))
    return None


def module_level_instance(index: ProjectIndex, class_qualname: str) -> ProjectObject | None:
    """`notifier = Notifier()` at module level: an instance of that project class."""
    is_object = index.functions.is_project_class(class_qualname) and index.model(class_qualname) is None
    return ProjectObject(index.canonical(class_qualname)) if is_object else None


def attribute(inference: Inference, owner: Instance | ProjectObject | SuperProxy, attr: str) -> Value | None:
    """`owner.attr` for an instance, a project object or `super()`: a bound method or a class attribute."""
    index = inference.index
    if isinstance(owner, SuperProxy):
        ref = index.functions.method(owner.owner, attr, after=owner.owner)
        if ref is not None:
            return Function(ref.qualname, owner.receiver)
        return _outside_method(index, owner.owner, owner.receiver, attr)
    class_qualname = _class_of(owner)
    ref = index.functions.method(class_qualname, attr)
    if ref is not None:
        return Function(ref.qualname, owner)
    if isinstance(owner, ProjectObject):
        value = class_attribute(inference.project, class_qualname, attr)
        return value if value is not None else _outside_method(index, class_qualname, owner, attr)
    return None


def _class_of(owner: Instance | ProjectObject) -> str:
    return owner.model.qualname if isinstance(owner, Instance) else owner.qualname


def _outside_method(index: ProjectIndex, class_qualname: str, receiver: Value, attr: str) -> Function | None:
    """Methods a project class inherits from Django: a generic view's get_queryset()."""
    if attr != "get_queryset" or not any(
        base.startswith(_GENERIC_VIEW_PACKAGES) for base in index.functions.outside_bases(class_qualname)
    ):
        return None
    return Function(_GENERIC_GET_QUERYSET, receiver)


def generic_get_queryset(project: Project, receiver: Value | None) -> QuerySet | None:
    """Django's get_queryset(): `self.queryset.all()`, else `self.model._default_manager.all()`."""
    if not isinstance(receiver, ProjectObject):
        return None
    queryset = class_attribute(project, receiver.qualname, "queryset")
    if isinstance(queryset, QuerySet):
        return queryset
    model = class_attribute(project, receiver.qualname, "model")
    if (
        queryset is None
        and isinstance(model, ModelClass)
        and not bound_in_class_bodies(project, receiver.qualname, "queryset")
    ):
        methods = loading.default_manager(model.model)
        return QuerySet(model.model, methods, loading=loading.manager_loading(methods))
    return None


def class_attribute(project: Project, class_qualname: str, attr: str) -> Value | None:
    """A class attribute set in the class body (`model = Product`), unless a method reassigns it."""
    if assigned_on_self(project, class_qualname, attr):
        return None
    for _, class_node, parsed in class_nodes(project, class_qualname):
        scope = Scope(class_node, Scope(parsed.module, None))
        if attr in scope.bindings:
            return _inference_for(project, parsed).infer(cst.Name(attr), scope)
    return None


def class_nodes(project: Project, class_qualname: str) -> Iterator[tuple[str, cst.ClassDef, ParsedFile]]:
    """(qualified name, ClassDef, parsed module) of a class and its project bases, in lookup order."""
    for cls in project.index.functions.mro(class_qualname):
        module, _, name = cls.rpartition(".")
        parsed = project.trees(module)
        _note(project, module, name, parsed)
        class_node = _member(parsed.module, name, cst.ClassDef) if parsed else None
        if parsed is not None and class_node is not None:
            yield cls, class_node, parsed


def assigned_on_self(project: Project, class_qualname: str, attr: str) -> bool:
    """Whether a method anywhere in the class's project hierarchy assigns `self.attr`."""
    assigned = project.memo.self_assigned
    for cls, node, _ in class_nodes(project, class_qualname):
        if cls not in assigned:
            finder = _SelfAssignments()
            walk(node.body, finder)
            assigned[cls] = frozenset(finder.found)
        if attr in assigned[cls]:
            return True
    return False


def bound_in_class_bodies(project: Project, class_qualname: str, attr: str) -> bool:
    return any(attr in Scope(node, None).bindings for _, node, _ in class_nodes(project, class_qualname))


class _SelfAssignments(Visitor):
    def __init__(self) -> None:
        self.found: set[str] = set()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
        ):
            self.found.add(target.attr.value)


def receiver_of(inference: Inference, param: cst.Param, scope: Scope) -> Value | None:
    """`self` (or `cls`) of a method of a module-level class, else None."""
    function, class_scope = scope.node, scope.parent
    if not isinstance(function, cst.FunctionDef) or class_scope is None:
        return None
    if (
        not isinstance(class_scope.node, cst.ClassDef)
        or class_scope.parent is None
        or class_scope.parent.parent
    ):
        return None
    params = function.params
    first = (params.posonly_params or params.params or (None,))[0]
    if first is not param:
        return None
    bound = inference.receivers.get(id(function))
    if bound is not None:
        return bound
    decorators = {getattr(d.decorator, "value", None) for d in function.decorators}
    if "staticmethod" in decorators:
        return None
    qualname = f"{inference.module}.{class_scope.node.name.value}"
    if "classmethod" in decorators:
        return inference.symbol_value(qualname)
    model = inference.index.model(qualname)
    return Instance(model) if model is not None else ProjectObject(qualname)


def super_proxy(inference: Inference, scope: Scope) -> SuperProxy | None:
    """`super()` inside a method of a module-level class."""
    function = scope.function
    if function is None or function.parent is None or not isinstance(function.parent.node, cst.ClassDef):
        return None
    self_param = function.node.params.params[:1] if isinstance(function.node, cst.FunctionDef) else ()
    if not self_param:
        return None
    receiver = inference.infer(self_param[0].name, function)
    owner = f"{inference.module}.{function.parent.node.name.value}"
    return SuperProxy(owner, receiver) if receiver is not None else None


def return_value(project: Project, ref: FunctionRef, receiver: Value | None) -> Value | None:
    """The value a project function returns when called on `receiver`; memoised, cycle-safe."""
    returns = project.memo.returns
    key = (ref.qualname, receiver)
    if key not in returns:
        returns[key] = None  # a recursive call meets an unknown value
        returns[key] = _infer_returns(project, ref, receiver)
    return returns[key]


def is_generator(project: Project, ref: FunctionRef) -> bool:
    """Whether the function yields: calling it only builds a generator, its body runs later."""
    generators = project.memo.generators
    if ref.qualname not in generators:
        located = locate(project, ref)
        generators[ref.qualname] = located is not None and _returns(located[2]).yields
    return generators[ref.qualname]


def _returns(function: cst.FunctionDef) -> _Returns:
    finder = _Returns()
    walk(function.body, finder)
    return finder


def _infer_returns(project: Project, ref: FunctionRef, receiver: Value | None) -> Value | None:
    located = locate(project, ref)
    if located is None:
        return None
    parsed, scope, function = located
    finder = _returns(function)
    if finder.yields or not finder.values:
        return None
    inference = _inference_for(project, parsed, {id(function): receiver} if receiver is not None else None)
    first, *others = finder.values
    merged = inference.infer(first, scope)
    for value in others:
        if merged is None:
            return None
        merged = merge(merged, inference.infer(value, scope))
    return merged


def locate(
    project: Project, ref: FunctionRef, *, on_loop: bool = False
) -> tuple[ParsedFile, Scope, cst.FunctionDef] | None:
    """The parsed module of a project function, the scope of its body and its `def`."""
    parsed = project.trees(ref.module)
    _note(project, ref.module, ref.decl.key, parsed)
    if parsed is None:
        return None
    scope = Scope(parsed.module, None)
    container: cst.Module | cst.ClassDef = parsed.module
    if ref.decl.owner is not None:
        owner = _member(parsed.module, ref.decl.owner, cst.ClassDef)
        if owner is None:
            return None
        container = owner
        scope = Scope(container, scope)
    node = _member(container, ref.decl.name, cst.FunctionDef)
    if node is None:
        return None
    return parsed, Scope(node, scope, assume_on_loop=on_loop), node


def _inference_for(
    project: Project, parsed: ParsedFile, receivers: dict[int, Value] | None = None
) -> Inference:
    """An inference in another module, sharing the session's memo."""
    # The one import cycle of the package (tests/test_layers.py, ALLOWED_CYCLE): inference
    # infers a project function's return value here, which runs inference again.
    from asyncdj_lint.analysis.inference import Inference

    inference = Inference(project, parsed.file.name, parsed.file.is_package)
    inference.receivers.update(receivers or {})
    return inference


_Definition = TypeVar("_Definition", cst.ClassDef, cst.FunctionDef)


def _member(container: cst.Module | cst.ClassDef, name: str, kind: type[_Definition]) -> _Definition | None:
    """The last definition of `name` directly in a module or class body (the one that wins)."""
    body = container.body if isinstance(container, cst.Module) else container.body.body
    found = None
    for statement in body:
        if isinstance(statement, kind) and statement.name.value == name:
            found = statement
    return found


def code_digest(parsed: ParsedFile | None, name: str) -> str | None:
    """A digest of the top-level function or class `name` ("f", "C" or "C.method"); None if absent."""
    if parsed is None:
        return None
    owner, _, last = name.rpartition(".")
    container = _member(parsed.module, owner, cst.ClassDef) if owner else parsed.module
    if container is None:
        return None
    # The def and the class of that name, should both be written: an edit to either is seen.
    nodes = [
        node
        for node in (_member(container, last, cst.FunctionDef), _member(container, last, cst.ClassDef))
        if node
    ]
    if not nodes:
        return None
    code = "".join(parsed.module.code_for_node(node) for node in nodes)
    return hashlib.blake2b(code.encode(), digest_size=16).hexdigest()


def _note(project: Project, module: str, name: str, parsed: ParsedFile | None) -> None:
    """Records that analyses read this code, once (for the result cache)."""
    if (module, name) not in project.followed:
        project.followed[module, name] = code_digest(parsed, name)


class _Returns(FunctionBodyVisitor):
    """The returned expressions of one function body, not of functions nested in it."""

    def __init__(self) -> None:
        self.values: list[cst.BaseExpression] = []
        self.yields = False

    def visit_Yield(self, node: cst.Yield) -> None:
        self.yields = True

    def visit_Return(self, node: cst.Return) -> None:
        self.values.append(node.value if node.value is not None else cst.Name("None"))
