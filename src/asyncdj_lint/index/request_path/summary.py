"""Per-file facts about what runs on the request path: settings, middleware, views, routes.

Like the rest of a module summary, a pure function of the file's content:
names are kept as written and resolved later by `RequestPathIndex`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import libcst as cst

from asyncdj_lint.index.request_path.definitions import (
    RequestClass,
    RequestFunction,
    decorator_refs,
    positional_params,
)
from asyncdj_lint.index.request_path.middleware import (
    MODE_CHECKS,
    callable_facts,
    class_flags,
    marks_coroutine,
    mentions,
    stored_param,
)
from asyncdj_lint.index.request_path.settings_ops import (
    SettingsOp,
    is_asgi_evidence,
    settings_defaults,
    settings_ops,
)
from asyncdj_lint.index.request_path.urls import Route, routes
from asyncdj_lint.index.request_path.views import http_method_names, list_options, returns_call_of
from asyncdj_lint.syntax.names import dotted_name
from asyncdj_lint.syntax.positions import syntactic_positions
from asyncdj_lint.syntax.statements import top_level_statements


@dataclass(frozen=True)
class RequestPathSummary:
    settings: tuple[SettingsOp, ...] = ()
    settings_defaults: tuple[str, ...] = ()
    classes: dict[str, RequestClass] = field(default_factory=dict)
    functions: dict[str, RequestFunction] = field(default_factory=dict)
    routes: tuple[Route, ...] = ()
    # Module-level `Name.sync_capable = ...`: flags set after the class body.
    patched_flags: frozenset[str] = frozenset()
    # settings operation number -> its line, for the operations a finding names as
    # evidence (ASGI_APPLICATION, an ASGI server app in INSTALLED_APPS)
    settings_lines: dict[int, int] = field(default_factory=dict)


def summarize_request_path(module: cst.Module) -> RequestPathSummary:
    classes: dict[str, RequestClass] = {}
    functions: dict[str, RequestFunction] = {}
    found_routes: list[Route] = []
    patched: set[str] = set()
    for statement in top_level_statements(module.body):
        if isinstance(statement, cst.ClassDef):
            classes[statement.name.value] = _summarize_class(statement)
        elif isinstance(statement, cst.FunctionDef):
            functions[statement.name.value] = _summarize_function(statement)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                found_routes.extend(routes(small))
                patched.update(_patched_flags(small))
    ops = list(settings_ops(module.body))
    return RequestPathSummary(
        settings=tuple(op for op, _ in ops),
        settings_lines=_evidence_lines(module, ops),
        settings_defaults=tuple(settings_defaults(module.body)),
        classes=classes,
        functions=functions,
        routes=tuple(found_routes),
        patched_flags=frozenset(patched),
    )


def _summarize_class(node: cst.ClassDef) -> RequestClass:
    methods = {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)}
    init, call = methods.get("__init__"), methods.get("__call__")
    next_attr = stored_param(init) if init is not None else None
    call_facts = None
    shape = None
    if call is not None:
        target = ("self", next_attr) if next_attr else None
        call_facts = callable_facts(call, target)
        if (
            init is not None
            and next_attr is not None
            and len(positional_params(call)) == 2
            and call_facts.calls_next
        ):
            shape = positional_params(init)[1]
    return RequestClass(
        decorators=decorator_refs(node.decorators),
        flags=class_flags(node),
        middleware_param=shape,
        call=call_facts,
        checks_mode=call is not None and mentions(node.body, MODE_CHECKS - {"markcoroutinefunction"}),
        marks_coroutine=marks_coroutine(init) if init is not None else None,
        http_method_names=http_method_names(node),
        list_options=list_options(node),
        method_decorators=tuple(
            (name, decorator_refs(method.decorators)) for name, method in methods.items() if method.decorators
        ),
    )


def _summarize_function(node: cst.FunctionDef) -> RequestFunction:
    params = positional_params(node)
    inner = _returned_inner_function(node)
    function = RequestFunction(
        is_async=node.asynchronous is not None, decorators=decorator_refs(node.decorators)
    )
    if len(params) != 1 or inner is None:
        return function
    facts = callable_facts(inner, (params[0],))
    checks_mode = mentions(node.body, MODE_CHECKS)
    is_middleware = facts.calls_next and len(positional_params(inner)) == 1
    return replace(
        function,
        sync_wrapper=not facts.is_async
        and not checks_mode
        and (facts.uses_response or returns_call_of(inner, params[0])),
        async_wrapper=facts.is_async,
        middleware_param=params[0] if is_middleware else None,
        middleware_inner=facts if is_middleware else None,
        checks_mode=checks_mode,
        wrapper_failure=facts.response_failure if not facts.is_async else "",
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


def _patched_flags(small: cst.BaseSmallStatement) -> Iterator[str]:
    if isinstance(small, cst.Assign):
        for target in small.targets:
            name = dotted_name(target.target)
            if name and name.count(".") == 1 and name.endswith(("sync_capable", "async_capable")):
                yield name.split(".")[0]


def _evidence_lines(module: cst.Module, ops: list[tuple[SettingsOp, cst.CSTNode]]) -> dict[int, int]:
    """Lines of the settings operations that say the project is served over ASGI.

    Positions cost a code generation pass, so they are computed only for a module that has such an
    operation (a settings module, a few per project).
    """
    wanted = [(number, node) for number, (op, node) in enumerate(ops) if is_asgi_evidence(op)]
    if not wanted:
        return {}
    positions = syntactic_positions(module)
    return {number: positions[node].start.line for number, node in wanted}
