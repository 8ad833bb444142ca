"""Per-file facts about what runs on the request path: settings, middleware, views, routes.

Like the rest of a module summary, a pure function of the file's content:
names are kept as written and resolved later by `index.request_path`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import libcst as cst

from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.names import dotted_name
from asyncdj_lint.syntax.statements import top_level_statements as _top_level
from asyncdj_lint.syntax.walk import Visitor, walk

SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"
# Names that tell a sync-and-async middleware which mode it runs in.
MODE_CHECKS = frozenset({"iscoroutinefunction", "async_mode", "markcoroutinefunction"})


@dataclass(frozen=True)
class ListPart:
    """A piece of a list expression: literal entries (None when not a string), or another setting."""

    entries: tuple[str | None, ...] = ()
    name: str | None = None


@dataclass(frozen=True)
class SettingsOp:
    """One top-level statement of a settings module that the linter reads.

    kind: "star_import" (target), "list_assign"/"list_extend" (name, parts;
    parts None when not a literal), "list_insert" (name, index or None for
    append, entry), "list_remove" (name, entry), "list_unknown" (name),
    "databases" (atomic: per alias, None when unknown; None when the whole
    value is not a literal), "atomic_set" (entry: the alias, value),
    "asgi_application" (entry: the value when a string).
    """

    kind: str
    name: str = ""
    target: str = ""
    parts: tuple[ListPart, ...] | None = None
    index: int | None = None
    entry: str | None = None
    atomic: tuple[tuple[str, bool | None], ...] | None = None
    value: bool | None = None


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


@dataclass(frozen=True)
class Route:
    """`path("...", view)` in a URLconf: the callee and the view as written."""

    callee: str
    view: str
    as_view: bool = False
    wrappers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestPathSummary:
    settings: tuple[SettingsOp, ...] = ()
    settings_defaults: tuple[str, ...] = ()
    classes: dict[str, RequestClass] = field(default_factory=dict)
    functions: dict[str, RequestFunction] = field(default_factory=dict)
    routes: tuple[Route, ...] = ()
    # Module-level `Name.sync_capable = ...`: flags set after the class body.
    patched_flags: frozenset[str] = frozenset()


def summarize_request_path(module: cst.Module) -> RequestPathSummary:
    settings = tuple(op for op, _ in settings_ops(module.body))
    classes: dict[str, RequestClass] = {}
    functions: dict[str, RequestFunction] = {}
    routes: list[Route] = []
    patched: set[str] = set()
    for statement in _top_level(module.body):
        if isinstance(statement, cst.ClassDef):
            classes[statement.name.value] = _summarize_class(statement)
        elif isinstance(statement, cst.FunctionDef):
            functions[statement.name.value] = _summarize_function(statement)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                routes.extend(_routes(small))
                patched.update(_patched_flags(small))
    return RequestPathSummary(
        settings=settings,
        settings_defaults=tuple(_settings_defaults(module.body)),
        classes=classes,
        functions=functions,
        routes=tuple(routes),
        patched_flags=frozenset(patched),
    )


# -- settings -----------------------------------------------------------------


def settings_ops(body) -> Iterator[tuple[SettingsOp, cst.CSTNode]]:
    """The settings statements of a module in order, each with the node it was read from."""
    for statement in _top_level(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            op = _settings_op(small)
            if op is not None:
                yield op, small


def _settings_op(small: cst.BaseSmallStatement) -> SettingsOp | None:
    if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
        module = dotted_name(small.module) if small.module is not None else ""
        return SettingsOp("star_import", target="." * len(small.relative) + (module or ""))
    if isinstance(small, (cst.Assign, cst.AnnAssign)):
        return _assignment_op(small)
    if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
        name = small.target.value
        if isinstance(small.operator, cst.AddAssign) and _is_setting_name(name):
            return SettingsOp("list_extend", name=name, parts=list_parts(small.value))
        return SettingsOp("list_unknown", name=name) if _is_setting_name(name) else None
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        return _list_method_op(small.value)
    return None


def _is_setting_name(name: str) -> bool:
    return name.isupper()


def _assignment_op(small: cst.Assign | cst.AnnAssign) -> SettingsOp | None:
    if isinstance(small, cst.Assign):
        if len(small.targets) != 1:
            return None
        target, value = small.targets[0].target, small.value
    else:
        target, value = small.target, small.value
    if value is None:
        return None
    if isinstance(target, cst.Subscript):
        return _atomic_set(target, value)
    if not isinstance(target, cst.Name) or not _is_setting_name(target.value):
        return None
    name = target.value
    if name == "DATABASES":
        return SettingsOp("databases", atomic=_databases(value))
    if name == "ASGI_APPLICATION":
        return SettingsOp("asgi_application", entry=string_value(value))
    return SettingsOp("list_assign", name=name, parts=list_parts(value))


def list_parts(expr: cst.BaseExpression) -> tuple[ListPart, ...] | None:
    """`BASE + ["a", *EXTRA]` -> parts; None when it is not built from literals and settings."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        left, right = list_parts(expr.left), list_parts(expr.right)
        return None if left is None or right is None else left + right
    if isinstance(expr, cst.Name) and _is_setting_name(expr.value):
        return (ListPart(name=expr.value),)
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return None
    parts: list[ListPart] = []
    entries: list[str | None] = []
    for element in expr.elements:
        if isinstance(element, cst.StarredElement):
            inner = list_parts(element.value)
            if inner is None:
                return None
            parts += [ListPart(tuple(entries)), *inner]
            entries = []
        else:
            entries.append(string_value(element.value))
    return (*parts, ListPart(tuple(entries)))


def _list_method_op(call: cst.Call) -> SettingsOp | None:
    func = call.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return None
    name, method = func.value.value, func.attr.value
    if not _is_setting_name(name):
        return None
    args = [arg.value for arg in call.args]
    if method == "append" and len(args) == 1:
        return SettingsOp("list_insert", name=name, entry=string_value(args[0]))
    if method == "insert" and len(args) == 2 and (index := _int_value(args[0])) is not None:
        return SettingsOp("list_insert", name=name, index=index, entry=string_value(args[1]))
    if method == "extend" and len(args) == 1:
        return SettingsOp("list_extend", name=name, parts=list_parts(args[0]))
    if method == "remove" and len(args) == 1:
        return SettingsOp("list_remove", name=name, entry=string_value(args[0]))
    return SettingsOp("list_unknown", name=name)


def _int_value(expr: cst.BaseExpression) -> int | None:
    if isinstance(expr, cst.Integer):
        return int(expr.value, 0)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = _int_value(expr.expression)
        return None if inner is None else -inner
    return None


def bool_value(expr: cst.BaseExpression) -> bool | None:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None


def _databases(value: cst.BaseExpression) -> tuple[tuple[str, bool | None], ...] | None:
    if not isinstance(value, cst.Dict):
        return None
    aliases = []
    for element in value.elements:
        alias = string_value(element.key) if isinstance(element, cst.DictElement) else None
        if alias is None:
            return None
        aliases.append((alias, atomic_requests(element.value)))
    return tuple(aliases)


def atomic_requests(config: cst.BaseExpression) -> bool | None:
    """ATOMIC_REQUESTS in one database's settings dict: False when absent, None when unknown."""
    if not isinstance(config, cst.Dict):
        return None
    for element in config.elements:
        if not isinstance(element, cst.DictElement):
            return None  # `**OTHER` may set it
        if string_value(element.key) == "ATOMIC_REQUESTS":
            return bool_value(element.value)
    return False


def _atomic_set(target: cst.Subscript, value: cst.BaseExpression) -> SettingsOp | None:
    """`DATABASES["default"]["ATOMIC_REQUESTS"] = True`."""
    path = subscript_path(target)
    if path is None or path[0] != "DATABASES":
        return None
    if len(path) == 3 and path[2] == "ATOMIC_REQUESTS":
        return SettingsOp("atomic_set", entry=path[1], value=bool_value(value))
    if len(path) == 2:
        return SettingsOp("atomic_set", entry=path[1], value=atomic_requests(value))
    return None


def subscript_path(expr: cst.BaseExpression) -> tuple[str | None, ...] | None:
    """`DATABASES["default"]["X"]` -> ("DATABASES", "default", "X")."""
    if isinstance(expr, cst.Name):
        return (expr.value,)
    if not (isinstance(expr, cst.Subscript) and len(expr.slice) == 1):
        return None
    index = expr.slice[0].slice
    inner = subscript_path(expr.value)
    if inner is None or not isinstance(index, cst.Index):
        return None
    return (*inner, string_value(index.value))


def _settings_defaults(body) -> Iterator[str]:
    """`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x")` at top level or in a top-level function."""
    for statement in _top_level(body):
        if isinstance(statement, cst.FunctionDef):
            yield from _settings_defaults(statement.body.body)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                value = small.value if isinstance(small, (cst.Expr, cst.Assign)) else None
                if isinstance(value, cst.Call) and dotted_name(value.func) == "os.environ.setdefault":
                    args = [string_value(arg.value) for arg in value.args]
                    if len(args) == 2 and args[0] == SETTINGS_ENV and args[1]:
                        yield args[1]


# -- classes and functions ------------------------------------------------------


def decorator_refs(decorators) -> tuple[DecoratorRef, ...]:
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


def _positional_params(node: cst.FunctionDef) -> list[str]:
    params = node.params
    if params.star_arg is not cst.MaybeSentinel.DEFAULT and isinstance(params.star_arg, cst.Param):
        return []
    if params.kwonly_params or params.star_kwarg is not None:
        return []
    return [p.name.value for p in (*params.posonly_params, *params.params) if p.default is None]


def _summarize_class(node: cst.ClassDef) -> RequestClass:
    methods = {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)}
    init, call = methods.get("__init__"), methods.get("__call__")
    next_attr = _stored_param(init) if init is not None else None
    call_facts = shape = None
    if call is not None:
        call_params = _positional_params(call)
        target = ("self", next_attr) if next_attr else None
        call_facts = _callable_facts(call, target)
        if next_attr is not None and len(call_params) == 2 and call_facts.calls_next:
            shape = _positional_params(init)[1]
    return RequestClass(
        decorators=decorator_refs(node.decorators),
        flags=tuple(_class_flags(node)),
        middleware_param=shape,
        call=call_facts,
        checks_mode=call is not None and _mentions(node.body, MODE_CHECKS - {"markcoroutinefunction"}),
        marks_coroutine=_marks_coroutine(init) if init is not None else None,
        http_method_names=_http_method_names(node),
        list_options=tuple(_list_options(node)),
        method_decorators=tuple(
            (name, decorator_refs(method.decorators)) for name, method in methods.items() if method.decorators
        ),
    )


def _class_attributes(node: cst.ClassDef) -> Iterator[tuple[str, cst.BaseExpression]]:
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


def _class_flags(node: cst.ClassDef) -> Iterator[tuple[str, bool | None]]:
    for name, value in _class_attributes(node):
        if name in ("sync_capable", "async_capable"):
            yield name, bool_value(value)


def _list_options(node: cst.ClassDef) -> Iterator[tuple[str, bool | None]]:
    for name, value in _class_attributes(node):
        if name == "paginate_by":
            is_none = isinstance(value, cst.Name) and value.value == "None"
            yield name, False if is_none else (True if isinstance(value, cst.Integer) else None)
        elif name == "allow_empty":
            yield name, bool_value(value)


def _http_method_names(node: cst.ClassDef) -> tuple[str, ...] | None:
    for name, value in _class_attributes(node):
        if name == "http_method_names":
            parts = list_parts(value)
            if parts is None or any(p.name is not None or None in p.entries for p in parts):
                return ()  # not a literal: unknown, no handler is judged
            return tuple(entry for part in parts for entry in part.entries if entry)
    return None


def _stored_param(init: cst.FunctionDef) -> str | None:
    """`def __init__(self, get_response): self.get_response = get_response` -> "get_response"."""
    params = _positional_params(init)
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


def _callable_facts(node: cst.FunctionDef, target: tuple[str, ...] | None) -> CallableFacts:
    finder = _NextCallFinder(".".join(target) if target else None)
    walk(node.body, finder)
    return CallableFacts(node.asynchronous is not None, finder.calls, finder.uses_response)


class _NextCallFinder(Visitor):
    """Finds calls of the wrapped get_response in one function and uses of their result."""

    def __init__(self, callee: str | None) -> None:
        self.callee = callee
        self.calls = False
        self.uses_response = False
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
        if self._is_next_call(node.value):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.result_names.add(target.target.value)

    def _check_use(self, value: cst.BaseExpression) -> None:
        if isinstance(value, cst.Name) and value.value in self.result_names or self._is_next_call(value):
            self.uses_response = True

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._check_use(node.value)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._check_use(node.value)


def _mentions(node: cst.CSTNode, names: frozenset[str]) -> bool:
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


def _marks_coroutine(init: cst.FunctionDef) -> bool:
    """`markcoroutinefunction(self)`, or the older `self._is_coroutine = ...` recipe."""
    finder = _NameFinder(frozenset({"markcoroutinefunction", "_is_coroutine"}))
    walk(init.body, finder)
    return finder.found


def _summarize_function(node: cst.FunctionDef) -> RequestFunction:
    params = _positional_params(node)
    inner = _returned_inner_function(node)
    function = RequestFunction(
        is_async=node.asynchronous is not None, decorators=decorator_refs(node.decorators)
    )
    if len(params) != 1 or inner is None:
        return function
    facts = _callable_facts(inner, (params[0],))
    checks_mode = _mentions(node.body, MODE_CHECKS)
    is_middleware = facts.calls_next and len(_positional_params(inner)) == 1
    return replace(
        function,
        sync_wrapper=not facts.is_async
        and not checks_mode
        and (facts.uses_response or _returns_call_of(inner, params[0])),
        async_wrapper=facts.is_async,
        middleware_param=params[0] if is_middleware else None,
        middleware_inner=facts if is_middleware else None,
        checks_mode=checks_mode,
    )


def _returned_inner_function(node: cst.FunctionDef) -> cst.FunctionDef | None:
    """The nested function a factory returns: `def f(x): def inner(...): ...; return inner`."""
    inner = {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)}
    returned = [
        small.value.value
        for statement in node.body.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
        if isinstance(small, cst.Return) and isinstance(small.value, cst.Name)
    ]
    if len(returned) == 1 and returned[0] in inner:
        return inner[returned[0]]
    return None


def _returns_call_of(inner: cst.FunctionDef, callee: str) -> bool:
    """Whether some `return` in `inner` returns `callee(...)` itself."""
    finder = _ReturnedCalls(callee)
    walk(inner.body, finder)
    return finder.found


class _ReturnedCalls(Visitor):
    def __init__(self, callee: str) -> None:
        self.callee = callee
        self.found = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        value = node.value
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and value.func.value == self.callee
        ):
            self.found = True


# -- routes ---------------------------------------------------------------------


def _routes(small: cst.BaseSmallStatement) -> Iterator[Route]:
    """`path(...)` calls in `urlpatterns = [...]`, `+= [...]` and `[...] + static(...)`."""
    if isinstance(small, (cst.Assign, cst.AugAssign)):
        yield from _routes_in(small.value)


def _routes_in(value: cst.BaseExpression) -> Iterator[Route]:
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        yield from _routes_in(value.left)
        yield from _routes_in(value.right)
    if not isinstance(value, (cst.List, cst.Tuple)):
        return
    for element in value.elements:
        call = element.value
        if isinstance(call, cst.Call) and len(call.args) >= 2 and call.args[1].keyword is None:
            callee = dotted_name(call.func)
            route = _route_view(call.args[1].value, ())
            if callee is not None and route is not None:
                yield Route(callee, *route)


def _route_view(
    expr: cst.BaseExpression, wrappers: tuple[str, ...]
) -> tuple[str, bool, tuple[str, ...]] | None:
    name = dotted_name(expr)
    if name is not None:
        return name, False, wrappers
    if not isinstance(expr, cst.Call):
        return None
    func = expr.func
    if isinstance(func, cst.Attribute) and func.attr.value == "as_view":
        cls = dotted_name(func.value)
        return (cls, True, wrappers) if cls is not None else None
    wrapper = dotted_name(func)
    if wrapper is not None and len(expr.args) == 1:
        return _route_view(expr.args[0].value, (*wrappers, wrapper))
    return None


def _patched_flags(small: cst.BaseSmallStatement) -> Iterator[str]:
    if isinstance(small, cst.Assign):
        for target in small.targets:
            name = dotted_name(target.target)
            if name and name.count(".") == 1 and name.endswith(("sync_capable", "async_capable")):
                yield name.split(".")[0]
