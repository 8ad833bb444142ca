"""Values through project functions: what a call returns, what `self` and `super()` are.

A call to a project function is followed into its body (from the tree
provider of `Project`, which parses a module on first use) and its return value inferred there, once per
function and receiver. Unknown stays unknown: a function whose returns
disagree, a decorator the analysis does not know, recursion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
from asyncdj_lint.index.summary import code_digest
from asyncdj_lint.syntax.arguments import bound_parameters
from asyncdj_lint.syntax.statements import function_exits
from asyncdj_lint.syntax.walk import Visitor, walk

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


def call_result(
    inference: Inference, callee: Symbol, call: cst.Call | None = None, scope: Scope | None = None
) -> Value | None:
    """What calling a project function or class returns; None when unknown or not a project callee.

    With the call and its scope, a project object knows what its `__init__` stored on `self`
    from the arguments (`constructed`)."""
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
        qualname = index.canonical(callee.qualname)
        if call is None or scope is None:
            return ProjectObject(qualname)
        return constructed(inference, qualname, call, scope)
    return None


def constructor(index: ProjectIndex, callee: Value | None) -> tuple[FunctionRef, Value] | None:
    """The project `__init__` that calling a project class (or model) runs, and the new object it
    runs on; None when the callee is no project class or its `__init__` is Django's or Python's."""
    created: Instance | ProjectObject
    if isinstance(callee, ModelClass):
        qualname, created = callee.model.qualname, Instance(callee.model)
    elif (
        isinstance(callee, Symbol)
        and not isinstance(callee, Function)
        and index.functions.is_project_class(callee.qualname)
    ):
        qualname = index.canonical(callee.qualname)
        created = ProjectObject(qualname)
    else:
        return None
    ref = index.functions.method(qualname, "__init__")
    return (ref, created) if ref is not None else None


def constructed(inference: Inference, class_qualname: str, call: cst.Call, scope: Scope) -> ProjectObject:
    """`Serializer(order)`: the new object, with the ORM values its `__init__` stores on `self`.

    Kept: `self.attr = <expr>` statements at the top level of `__init__` whose value, with the
    call's arguments bound, is an instance or a QuerySet, for an attribute that no other method
    of the class or its project bases assigns. Anything else about the object stays unknown."""
    plain = ProjectObject(class_qualname)
    project = inference.project
    init = project.index.functions.method(class_qualname, "__init__")
    located = locate(project, init) if init is not None and call.args else None
    if init is None or located is None:
        return plain
    parsed, init_scope, function = located

    def orm_value(expr: cst.BaseExpression) -> Value | None:
        value = inference.infer(expr, scope)
        return value if isinstance(value, (Instance, QuerySet)) else None

    bound = bind_arguments(function, call, skips_first=True, value_of=orm_value)
    self_name = _first_parameter(function)
    if not bound or self_name is None:
        return plain
    inner = _inference_for(project, parsed, {id(function): plain})
    inner.arguments[id(function)] = bound
    elsewhere = _assigned_outside(project, class_qualname, function)
    stored: dict[str, Value] = {}
    for attr, expr in _self_stores(function, self_name):
        value = inner.infer(expr, init_scope)
        if attr not in elsewhere and isinstance(value, (Instance, QuerySet)):
            stored[attr] = value
    return ProjectObject(class_qualname, tuple(sorted(stored.items())))


def bind_arguments(
    function: cst.FunctionDef,
    call: cst.Call,
    *,
    skips_first: bool,
    value_of: Callable[[cst.BaseExpression], Value | None],
) -> dict[str, Value]:
    """What a call binds the function's unannotated parameters to, where `value_of` knows the
    argument; `skips_first` when the first parameter is bound by the receiver (`self`, `cls`)."""
    bound: dict[str, Value] = {}
    for param, arg in bound_parameters(function, call, skips_first=skips_first):
        if param.annotation is not None:
            continue
        value = value_of(arg.value)
        if value is not None:
            bound[param.name.value] = value
    return bound


def is_classmethod(ref: FunctionRef) -> bool:
    return "classmethod" in ref.decl.decorators


def _first_parameter(function: cst.FunctionDef) -> str | None:
    params = (*function.params.posonly_params, *function.params.params)
    return params[0].name.value if params else None


def _self_stores(function: cst.FunctionDef, self_name: str) -> Iterator[tuple[str, cst.BaseExpression]]:
    """`self.attr = expr` statements directly in a function's body (not under `if` or a loop)."""
    for line in function.body.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for statement in line.body:
            if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
                continue
            target = statement.targets[0].target
            if (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == self_name
            ):
                yield target.attr.value, statement.value


def _assigned_outside(project: Project, class_qualname: str, init: cst.FunctionDef) -> frozenset[str]:
    """Attributes assigned on `self` anywhere in the class hierarchy but in `init`, or more than
    once; memoised per class."""
    known = project.memo.assigned_outside_init
    if class_qualname not in known:
        finder = _SelfAssignments()
        for _, node, _ in class_nodes(project, class_qualname):
            for statement in node.body.body:
                if statement is not init:
                    walk(statement, finder)
        once = _SelfAssignments()
        walk(init.body, once)
        known[class_qualname] = frozenset(finder.found | {a for a in once.found if once.counts[a] > 1})
    return known[class_qualname]


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
            return _bound_method(inference, ref, owner.receiver)
        return _outside_method(index, owner.owner, owner.receiver, attr)
    if isinstance(owner, ProjectObject):
        stored = dict(owner.attributes).get(attr)
        if stored is not None:
            return stored
    class_qualname = _class_of(owner)
    ref = index.functions.method(class_qualname, attr)
    if ref is not None:
        return _bound_method(inference, ref, owner)
    if isinstance(owner, ProjectObject):
        value = class_attribute(inference.project, class_qualname, attr)
        return value if value is not None else _outside_method(index, class_qualname, owner, attr)
    return None


def _class_of(owner: Instance | ProjectObject | ModelClass) -> str:
    return owner.model.qualname if isinstance(owner, (Instance, ModelClass)) else owner.qualname


def model_method(inference: Inference, model: ModelClass, attr: str) -> Function | None:
    """`Model.helper` for a method of a project model class: a classmethod is bound to the
    model, a staticmethod or a plain function read off the class to nothing."""
    ref = inference.index.functions.method(model.model.qualname, attr)
    return _bound_method(inference, ref, model) if ref is not None else None


def _bound_method(inference: Inference, ref: FunctionRef, owner: Value) -> Function:
    """A method reached through `owner`: a classmethod gets the class (whatever it is read on),
    a staticmethod nothing, any other method `owner` (nothing when `owner` is the class)."""
    decorators = ref.decl.decorators
    if "staticmethod" in decorators:
        return Function(ref.qualname)
    if "classmethod" in decorators:
        if isinstance(owner, Instance):
            return Function(ref.qualname, ModelClass(owner.model))
        if isinstance(owner, ProjectObject):
            return Function(ref.qualname, inference.symbol_value(owner.qualname))
        return Function(ref.qualname, owner)
    return Function(ref.qualname, None if isinstance(owner, ModelClass) else owner)


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
    if not project.index.functions.may_bind(class_qualname, attr):
        return None  # known from the summaries, without parsing the classes
    if assigned_on_self(project, class_qualname, attr):
        return None
    for cls, class_node, parsed in class_nodes(project, class_qualname):
        scope = project.class_scope(cls.rpartition(".")[0], parsed.module, class_node)
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
    if not project.index.functions.may_bind(class_qualname, attr):
        return False  # known from the summaries, without parsing the classes
    return any(
        attr in project.class_scope(cls.rpartition(".")[0], parsed.module, node).bindings
        for cls, node, parsed in class_nodes(project, class_qualname)
    )


class _SelfAssignments(Visitor):
    def __init__(self) -> None:
        self.found: set[str] = set()
        self.counts: dict[str, int] = {}

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
        ):
            self.found.add(target.attr.value)
            self.counts[target.attr.value] = self.counts.get(target.attr.value, 0) + 1

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.visit_AssignTarget(cst.AssignTarget(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.visit_AssignTarget(cst.AssignTarget(node.target))


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
        # A module that never says `yield` is not parsed to learn that.
        located = locate(project, ref) if project.index.holds(ref.module, "yield") else None
        generators[ref.qualname] = located is not None and function_exits(located[2])[1]
    return generators[ref.qualname]


def _infer_returns(project: Project, ref: FunctionRef, receiver: Value | None) -> Value | None:
    located = locate(project, ref)
    if located is None:
        return None
    parsed, scope, function = located
    returns, yields = function_exits(function)
    if yields or not returns:
        return None
    # A bare `return` returns None.
    values = [found.value if found.value is not None else cst.Name("None") for found in returns]
    inference = _inference_for(project, parsed, {id(function): receiver} if receiver is not None else None)
    first, *others = values
    merged = inference.infer(first, scope)
    for value in others:
        if merged is None:
            break
        merged = merge(merged, inference.infer(value, scope))
    if merged is None and function.returns is not None and scope.parent is not None:
        # What the body returns is unknown: the annotation says (`-> tuple[Order, QuerySet[Line]]`).
        return inference.annotated(function.returns.annotation, scope.parent)
    return merged


def locate(
    project: Project, ref: FunctionRef, *, on_loop: bool = False
) -> tuple[ParsedFile, Scope, cst.FunctionDef] | None:
    """The parsed module of a project function, the scope of its body and its `def`."""
    parsed = project.trees(ref.module)
    _note(project, ref.module, ref.decl.key, parsed)
    if parsed is None:
        return None
    scope = project.module_scope(ref.module, parsed.module)
    container: cst.Module | cst.ClassDef = parsed.module
    if ref.decl.owner is not None:
        owner = _member(parsed.module, ref.decl.owner, cst.ClassDef)
        if owner is None:
            return None
        container = owner
        scope = project.class_scope(ref.module, parsed.module, owner)
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


def _note(project: Project, module: str, name: str, parsed: ParsedFile | None) -> None:
    """Records that analyses read this code, once (for the result cache)."""
    if (module, name) not in project.followed:
        summary = project.index.modules.get(module) if parsed is not None else None
        digest = code_digest(parsed.source, summary, name) if parsed and summary else None
        project.followed[module, name] = digest
