"""What a call calls, by qualified name, resolved through imports."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.scopes import (
    DefinitionBinding,
    IterBinding,
    Scope,
    UnpackBinding,
    ValueBinding,
    WithBinding,
)
from asyncdj_lint.analysis.values import Builtin, Symbol
from asyncdj_lint.facts import bridges


def callee_name(ctx: FileContext, call: cst.Call, scope: Scope | None = None) -> str | None:
    """`"django.shortcuts.render"` for `render(...)` after `from django.shortcuts import render`.

    Builtins are `"builtins.open"`; a function or class defined at the top
    level of the linted module is `"<module>.<name>"`. Anything else, and any
    name bound more than once, is None.
    """
    scope = scope or ctx.scope
    value = ctx.inference.infer(call.func, scope)
    if isinstance(value, Symbol):
        return value.qualname
    if isinstance(value, Builtin):
        return f"builtins.{value.name}"
    if isinstance(call.func, cst.Name):
        return _module_level_definition(ctx, call.func.value, scope)
    return None


def _module_level_definition(ctx: FileContext, name: str, scope: Scope) -> str | None:
    found = scope.lookup(name)
    if found is None or found[0].parent is not None or len(found[1]) != 1:
        return None
    if isinstance(found[1][0], DefinitionBinding):
        return f"{ctx.module_name}.{name}"
    return None


def keyword_argument(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    """The argument given as `keyword=`, if any."""
    return next(
        (arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == keyword), None
    )


def argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The argument given at `position` or as `keyword=`, if any."""
    if (value := keyword_argument(call, keyword)) is not None:
        return value
    positional = [arg for arg in call.args if arg.keyword is None]
    if any(arg.star for arg in positional[: position + 1]):
        return None  # `*args` hides which argument lands where
    return positional[position].value if position < len(positional) else None


def bound_values(
    ctx: FileContext, expr: cst.BaseExpression, scope: Scope | None = None
) -> list[tuple[cst.BaseExpression, Scope]]:
    """What `expr` stands for: each value a local name is assigned, with the scope it is evaluated in.

    A name bound otherwise (an import, a parameter, a loop), and any other
    expression, stands for itself: `[(expr, scope)]`. An unbound name: `[]`.
    """
    scope = scope or ctx.scope
    if not isinstance(expr, cst.Name):
        return [(expr, scope)]
    found = scope.lookup(expr.value)
    if found is None:
        return []
    owner, bindings = found
    values = [binding.node for binding in bindings if isinstance(binding, ValueBinding)]
    if len(values) != len(bindings):
        return [(expr, scope)]
    return [(value, owner) for value in values]


def is_built_by(ctx: FileContext, expr: cst.BaseExpression, callables: frozenset[str]) -> bool:
    """Whether `expr` is a call to one of `callables`, directly or through a local name assigned only that."""
    values = bound_values(ctx, expr)
    return bool(values) and all(
        isinstance(value, cst.Call) and callee_name(ctx, value, scope) in callables for value, scope in values
    )


def defers_callable(ctx: FileContext, call: cst.Call) -> bool:
    """Whether `call` hands its callable argument to something that calls it later, elsewhere:
    `transaction.on_commit(fn)`, `response.add_post_render_callback(fn)`, `signal.connect(fn)`,
    `atexit.register(fn)`, `executor.map(fn, items)`. The callable does not run where it is written."""
    func = call.func
    if isinstance(func, cst.Attribute):
        if func.attr.value in bridges.DEFERRING_METHODS:
            return True
        if func.attr.value in bridges.EXECUTOR_MAPS and _is_executor(ctx, func.value):
            return True
    return callee_name(ctx, call) in bridges.DEFERRING_CALLABLES


def _is_executor(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """A thread or process pool: built by a call here, or `with ThreadPoolExecutor() as pool`."""
    if isinstance(expr, cst.Name) and (found := ctx.scope.lookup(expr.value)) is not None:
        owner, bindings = found
        return all(
            isinstance(b, (ValueBinding, UnpackBinding, IterBinding, WithBinding))
            and isinstance(b.node, cst.Call)
            and callee_name(ctx, b.node, owner) in bridges.EXECUTORS
            for b in bindings
        )
    return is_built_by(ctx, expr, bridges.EXECUTORS)


def defined_function(func: cst.BaseExpression, scope: Scope) -> cst.FunctionDef | None:
    """The `def` a called name refers to, when that name is bound once, by that def."""
    if not isinstance(func, cst.Name):
        return None
    found = scope.lookup(func.value)
    if found is None or len(found[1]) != 1:
        return None
    binding = found[1][0]
    return (
        binding.node
        if isinstance(binding, DefinitionBinding) and isinstance(binding.node, cst.FunctionDef)
        else None
    )
