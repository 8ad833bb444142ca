"""Async callables handed to sync code that calls them (ADJ108): registries and callbacks.

Two shapes, both proven from source only where the sync call is visible:

- a registry: a module-level dict or list that an `async def` is stored in
  (`HANDLERS[key] = handler`, `HANDLERS.append(handler)`, a literal, or a
  registering decorator whose body stores its argument there), and whose
  entries a sync function of the same module calls (`HANDLERS[key](...)`,
  `handler = HANDLERS.get(key)` then `handler(...)`, `for handler in HANDLERS`),
  directly or through a parameter its callers in the module bind to the registry;
- a callback: an `async def`, or a `sync_to_async(f)` wrapper, passed to a sync
  project function that calls that parameter.

Sync code that looks at what it got back (`inspect.isawaitable`,
`asyncio.iscoroutine`, `async_to_sync`, an event loop's `run_until_complete`)
handles coroutines itself and is never counted as a caller.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.project_calls import locate
from asyncdj_lint.analysis.values import Function, Value
from asyncdj_lint.index.functions import FunctionRef
from asyncdj_lint.rules._coroutines import coroutine_consumed
from asyncdj_lint.syntax.arguments import bound_parameters
from asyncdj_lint.syntax.names import called_name
from asyncdj_lint.syntax.walk import FunctionBodyVisitor, Visitor, walk

# Source text that says a sync function handles coroutines itself.
_COROUTINE_AWARE = (
    "iscoroutine",
    "isawaitable",
    "async_to_sync",
    "run_until_complete",
    "asyncio.run",
    "ensure_future",
    "create_task",
    "run_coroutine_threadsafe",
    "__await__",
)
# Methods that store their last argument in a dict or list.
_STORING_METHODS = frozenset({"append", "insert", "setdefault", "add"})
# Methods that read one entry of a dict, and that list a dict's entries.
_ENTRY_READERS = frozenset({"get", "pop", "setdefault"})
_ENTRY_LISTERS = frozenset({"values", "items"})
# Where a coroutine is lost at once: a statement, a truth test, an operand.
_LOSING_PARENTS = (
    cst.Expr,
    cst.If,
    cst.While,
    cst.IfExp,
    cst.Assert,
    cst.BooleanOperation,
    cst.UnaryOperation,
    cst.Comparison,
    cst.BinaryOperation,
    cst.FormattedStringExpression,
)
_EMPTY_CONTAINERS = frozenset({"dict", "list", "set", "OrderedDict", "defaultdict"})


@dataclass(frozen=True)
class SyncCall:
    """Where sync code calls what it was handed: the call as written and the function it is in."""

    call: cst.Call
    function: str


def invokes(function: cst.FunctionDef, name: str, *, entries: bool) -> cst.Call | None:
    """The first call in sync `function` of the callable bound to `name` (`entries`: of an
    entry of the dict or list bound to `name`) whose coroutine is not handed on; None when
    the function never calls it or handles coroutines itself."""
    if function.asynchronous is not None:
        return None
    text = cst.Module([]).code_for_node(function)
    if any(marker in text for marker in _COROUTINE_AWARE):
        return None
    finder = _Invocations(function, name, entries)
    walk(function.body, finder)
    return finder.found


class _Invocations(FunctionBodyVisitor):
    def __init__(self, function: cst.FunctionDef, name: str, entries: bool) -> None:
        self.function = function
        self.container = name if entries else None
        # Local names that hold what is called: the parameter, or an entry read from the container.
        self.callables = set() if entries else {name}
        self.found: cst.Call | None = None
        self._parents: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        go = super().on_visit(node)
        if go:
            self._parents.append(node)
        return go

    def on_leave(self, node: cst.CSTNode) -> None:
        if self._parents and self._parents[-1] is node:
            self._parents.pop()
        super().on_leave(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        if (
            len(node.targets) == 1
            and isinstance(node.targets[0].target, cst.Name)
            and self._entry(node.value)
        ):
            self.callables.add(node.targets[0].target.value)

    def visit_For(self, node: cst.For) -> None:
        """`for handler in REGISTRY`, `in REGISTRY.values()`, `for key, handler in REGISTRY.items()`."""
        iterated = node.iter
        target: cst.BaseExpression = node.target
        if self.container is None:
            return
        if _method(iterated) == "items" and _lists_entries(iterated, self.container):
            if not isinstance(target, cst.Tuple) or len(target.elements) != 2:
                return
            target = target.elements[1].value
        elif not (
            (isinstance(iterated, cst.Name) and iterated.value == self.container)
            or _lists_entries(iterated, self.container)
        ):
            return
        if isinstance(target, cst.Name):
            self.callables.add(target.value)

    def visit_Call(self, node: cst.Call) -> None:
        if self.found is not None:
            return
        func = node.func
        called = (isinstance(func, cst.Name) and func.value in self.callables) or self._entry(func)
        if called and self._parents and self._drops(node, self._parents[-1]):
            self.found = node

    def _drops(self, call: cst.Call, parent: cst.CSTNode) -> bool:
        """Whether the coroutine the call makes is lost where it sits (the call itself is not on
        `_parents` yet). One handed to another call, stored, or returned may still be awaited
        by whoever gets it; a view's return hands it to Django, which does not."""
        if isinstance(parent, cst.Return):
            params = self.function.params.params
            return bool(params) and params[0].name.value == "request"
        if isinstance(parent, cst.Assign):
            targets = parent.targets
            return (
                len(targets) == 1
                and isinstance(targets[0].target, cst.Name)
                and not coroutine_consumed(self.function, targets[0].target.value)
            )
        if isinstance(parent, (cst.Attribute, cst.Subscript)):
            return parent.value is call
        return isinstance(parent, _LOSING_PARENTS)

    def _entry(self, expr: cst.BaseExpression) -> bool:
        """`container[key]` or `container.get(key)`."""
        if self.container is None:
            return False
        if isinstance(expr, cst.Subscript):
            return isinstance(expr.value, cst.Name) and expr.value.value == self.container
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            owner = expr.func.value
            return (
                expr.func.attr.value in _ENTRY_READERS
                and isinstance(owner, cst.Name)
                and owner.value == self.container
            )
        return False


def _method(call: cst.BaseExpression) -> str | None:
    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
        return call.func.attr.value
    return None


def _lists_entries(expr: cst.BaseExpression, container: str) -> bool:
    """`container.values()` or `container.items()`."""
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in _ENTRY_LISTERS
        and isinstance(expr.func.value, cst.Name)
        and expr.func.value.value == container
    )


# -- registries --------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    """An `async def` stored in a module-level registry: where, which function, which registry."""

    node: cst.CSTNode
    handler: str
    registry: str


def registrations(module: cst.Module) -> list[tuple[Registration, SyncCall]]:
    """Each `async def` of the module stored in a module-level dict or list whose entries a
    sync function of the module calls, with that call."""
    registries = _registries(module)
    if not registries:
        return []
    functions = _functions(module)
    async_functions = {name for name, node in functions.items() if node.asynchronous is not None}
    if not async_functions:
        return []
    stored = _stored(module, registries, async_functions, functions)
    if not stored:
        return []
    callers = _registry_callers(module, {registration.registry for registration in stored}, functions)
    return [
        (registration, callers[registration.registry])
        for registration in stored
        if registration.registry in callers
    ]


def _registries(module: cst.Module) -> set[str]:
    """Module-level names bound to a dict or list (`{}`, `[]`, `dict()`, a literal)."""
    names: set[str] = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            value: cst.BaseExpression | None = None
            target: cst.BaseExpression | None = None
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            elif isinstance(small, cst.AnnAssign):
                target, value = small.target, small.value
            if isinstance(target, cst.Name) and value is not None and _is_container(value):
                names.add(target.value)
    return names


def _is_container(value: cst.BaseExpression) -> bool:
    if isinstance(value, (cst.Dict, cst.List)):
        return True
    if isinstance(value, cst.Call):
        return called_name(value) in _EMPTY_CONTAINERS
    return False


def _functions(module: cst.Module) -> dict[str, cst.FunctionDef]:
    return {
        statement.name.value: statement for statement in module.body if isinstance(statement, cst.FunctionDef)
    }


def _registry_callers(
    module: cst.Module, registries: set[str], functions: dict[str, cst.FunctionDef]
) -> dict[str, SyncCall]:
    """For each registry, a sync function of the module that calls its entries: directly, or
    through a parameter that a call in the module (or the parameter's default) binds to it."""
    calls = _CallsOf()
    walk(module, calls)
    callers: dict[str, SyncCall] = {}
    for name, function in functions.items():
        if function.asynchronous is not None or name in calls.awaited:
            continue  # a sync function whose result is awaited hands its coroutines back
        for registry in registries:
            call = invokes(function, registry, entries=True)
            if call is not None:
                callers.setdefault(registry, SyncCall(call, name))
        bound = _parameter_registries(function, registries, calls.by_name.get(name, []))
        for param, names in bound.items():
            call = invokes(function, param, entries=True)
            if call is not None:
                for registry in names:
                    callers.setdefault(registry, SyncCall(call, name))
    return callers


def _parameter_registries(
    function: cst.FunctionDef, registries: set[str], calls: list[cst.Call]
) -> dict[str, set[str]]:
    """The registries each parameter of `function` is bound to by its default or by `calls` of it."""
    params = function.params
    bound: dict[str, set[str]] = {}
    for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
        default = param.default
        if isinstance(default, cst.Name) and default.value in registries:
            bound.setdefault(param.name.value, set()).add(default.value)
    for call in calls:
        for param, arg in bound_parameters(function, call):
            if isinstance(arg.value, cst.Name) and arg.value.value in registries:
                bound.setdefault(param.name.value, set()).add(arg.value.value)
    return bound


class _CallsOf(Visitor):
    """The module's calls of plain names, by the name called, and the names whose calls are awaited."""

    def __init__(self) -> None:
        self.by_name: dict[str, list[cst.Call]] = {}
        self.awaited: set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            self.by_name.setdefault(node.func.value, []).append(node)

    def visit_Await(self, node: cst.Await) -> None:
        awaited = node.expression
        if isinstance(awaited, cst.Call) and isinstance(awaited.func, cst.Name):
            self.awaited.add(awaited.func.value)


def _stored(
    module: cst.Module,
    registries: set[str],
    async_functions: set[str],
    functions: dict[str, cst.FunctionDef],
) -> list[Registration]:
    """Where an `async def` of the module is stored in one of the registries."""
    found: list[Registration] = []
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef) and statement.asynchronous is not None:
            for decorator in statement.decorators:
                registry = _decorator_registry(decorator.decorator, registries, functions)
                if registry is not None:
                    found.append(Registration(decorator, statement.name.value, registry))
    finder = _Stores(registries, async_functions)
    walk(module, finder)
    return [*found, *finder.found]


class _Stores(Visitor):
    """`REGISTRY[key] = handler`, `REGISTRY.append(handler)`, `REGISTRY = {key: handler}`."""

    def __init__(self, registries: set[str], async_functions: set[str]) -> None:
        self.registries = registries
        self.async_functions = async_functions
        self.found: list[Registration] = []

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        for target in node.targets:
            place = target.target
            if (
                isinstance(place, cst.Subscript)
                and isinstance(place.value, cst.Name)
                and place.value.value in self.registries
                and isinstance(value, cst.Name)
                and value.value in self.async_functions
            ):
                self.found.append(Registration(node, value.value, place.value.value))
            if isinstance(place, cst.Name) and place.value in self.registries:
                for element in _elements(value):
                    if isinstance(element, cst.Name) and element.value in self.async_functions:
                        self.found.append(Registration(element, element.value, place.value))

    def visit_Call(self, node: cst.Call) -> None:
        stored = _stored_name(node)
        if stored is not None and stored[0] in self.registries and stored[1] in self.async_functions:
            self.found.append(Registration(node, stored[1], stored[0]))


def _stored_name(call: cst.Call) -> tuple[str, str] | None:
    """(container, name) for `container.append(name)` and the other storing methods."""
    func = call.func
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value in _STORING_METHODS
        and isinstance(func.value, cst.Name)
        and call.args
        and isinstance(call.args[-1].value, cst.Name)
    ):
        return func.value.value, call.args[-1].value.value
    return None


def _elements(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(value, cst.Dict):
        return [element.value for element in value.elements if isinstance(element, cst.DictElement)]
    if isinstance(value, cst.List):
        return [element.value for element in value.elements if isinstance(element, cst.Element)]
    return []


def _decorator_registry(
    decorator: cst.BaseExpression, registries: set[str], functions: dict[str, cst.FunctionDef]
) -> str | None:
    """The registry a module-level decorator (`@register` or `@register(...)`) stores the
    decorated function in: a registry named in its body, or the one its call binds to the
    factory's parameter that its body stores into."""
    call = decorator if isinstance(decorator, cst.Call) else None
    name = call.func if call is not None else decorator
    if not isinstance(name, cst.Name) or name.value not in functions:
        return None
    factory = functions[name.value]
    for container in _stores_of_parameters(factory):
        if container in registries:
            return container
        if call is None:
            continue
        bound = _argument_for(factory, call, container)
        if bound is not None and bound in registries:
            return bound
    return None


def _stores_of_parameters(factory: cst.FunctionDef) -> list[str]:
    """The container of each `container[key] = parameter` or `container.append(parameter)`
    in the factory or the functions nested in it, where `parameter` is one of their parameters."""
    finder = _ParameterStores()
    walk(factory, finder)
    return finder.found


class _ParameterStores(Visitor):
    def __init__(self) -> None:
        self.params: list[set[str]] = []
        self.found: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        self.params.append(
            {param.name.value for param in [*params.posonly_params, *params.params, *params.kwonly_params]}
        )

    def on_leave(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.FunctionDef):
            self.params.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if not isinstance(value, cst.Name) or not self.params or value.value not in self.params[-1]:
            return
        for target in node.targets:
            place = target.target
            if isinstance(place, cst.Subscript) and isinstance(place.value, cst.Name):
                self.found.append(place.value.value)

    def visit_Call(self, node: cst.Call) -> None:
        stored = _stored_name(node)
        if stored is not None and self.params and stored[1] in self.params[-1]:
            self.found.append(stored[0])


def _argument_for(factory: cst.FunctionDef, call: cst.Call, param: str) -> str | None:
    """The name a call of `factory` passes for its parameter `param` (its default when it passes none)."""
    for candidate, arg in bound_parameters(factory, call):
        if candidate.name.value == param:
            return arg.value.value if isinstance(arg.value, cst.Name) else None
    if any(arg.star for arg in call.args):
        return None  # `*args` or `**kwargs` may pass it
    params = factory.params
    for candidate in [*params.posonly_params, *params.params, *params.kwonly_params]:
        if candidate.name.value == param and isinstance(candidate.default, cst.Name):
            return candidate.default.value
    return None


# -- callbacks ---------------------------------------------------------------


def callback_caller(
    ctx: FileContext, arg: cst.Arg, call: cst.Call, ref: FunctionRef, callee: Value | None
) -> SyncCall | None:
    """Where the sync project function `ref` (`callee`, called by `call`) calls, without
    awaiting, what `arg` hands it."""
    located = locate(ctx.project, ref)
    if located is None:
        return None
    function = located[2]
    # `self` (or `cls`) is bound when the method is reached through an object, or is a classmethod.
    decorators = {name.rsplit(".", 1)[-1] for name in ref.decl.decorators}
    bound = "staticmethod" not in decorators and (
        "classmethod" in decorators or (isinstance(callee, Function) and callee.receiver is not None)
    )
    param = _parameter_of(function, call, arg, bound=bound)
    if param is None:
        return None
    found = invokes(function, param, entries=False)
    return SyncCall(found, f"{ref.decl.key}()") if found is not None else None


def _parameter_of(function: cst.FunctionDef, call: cst.Call, arg: cst.Arg, *, bound: bool) -> str | None:
    pairs = bound_parameters(function, call, skips_first=bound)
    return next((param.name.value for param, given in pairs if given is arg), None)
