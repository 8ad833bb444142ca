"""Building blocks of the rules' fixes: awaiting a call, bridging it to a thread, importing a name.

Each returns the edits for the node a rule is visiting (or None when the fix
cannot be written safely there); the rule wraps them in a `Fix` with its title
and safety. Nothing here changes the tree.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.scopes import IterBinding, ValueBinding
from asyncdj_lint.analysis.values import Manager, QuerySet
from asyncdj_lint.fixes import (
    AddImport,
    Fix,
    InsertAfter,
    InsertBefore,
    NodeEdit,
    RemoveImport,
    Replace,
    Safety,
)


def can_await(ctx: FileContext) -> bool:
    """Whether `await` may be written at the visited node: its scope is an `async def`.

    Comprehensions and lambdas are their own scopes and are left out on purpose:
    an `await` turns a comprehension into an async one (a generator expression
    into an async generator), and a lambda cannot hold one.
    """
    node = ctx.scope.node
    return isinstance(node, cst.FunctionDef) and node.asynchronous is not None


def needs_parentheses(expr: cst.BaseExpression, parent: cst.CSTNode | None) -> bool:
    """Whether `await expr` written in place of `expr` must be parenthesized.

    `await` binds tighter than every operator but less tightly than attribute
    access, subscription and calls: `(await x.aget()).name`.
    """
    if expr.lpar:
        return False
    return (
        (isinstance(parent, cst.Attribute) and parent.value is expr)
        or (isinstance(parent, cst.Subscript) and parent.value is expr)
        or (isinstance(parent, cst.Call) and parent.func is expr)
    )


def await_call(expr: cst.BaseExpression, parent: cst.CSTNode | None) -> list[NodeEdit]:
    """Edits that write `await expr` in place of `expr`, parenthesized where needed."""
    if needs_parentheses(expr, parent):
        return [InsertBefore(expr, "(await "), InsertAfter(expr, ")")]
    return [InsertBefore(expr, "await ")]


def await_twin(ctx: FileContext, call: cst.Call, twin: str) -> Fix | None:
    """`receiver.method(args)` -> `await receiver.twin(args)` for the visited call: the safe fix of
    a sync API whose async twin does the same work; None where `await` cannot be written."""
    if not can_await(ctx) or not isinstance(call.func, cst.Attribute):
        return None
    edits = (Replace(call.func.attr, twin), *await_call(call, ctx.parent()))
    return Fix(f"Await `{twin}()`", Safety.SAFE, edits)


def await_function_twin(
    ctx: FileContext, call: cst.Call, module: str, function: str, twin: str
) -> Fix | None:
    """`function(args)` -> `await twin(args)` (and `module.function(...)` -> `await module.twin(...)`)
    for the visited call, swapping the import: the safe fix of a module-level sync function whose
    async twin in the same module does the same work. None for an alias, where the naming is the
    author's, or where `await` cannot be written."""
    if not can_await(ctx):
        return None
    edits: list[NodeEdit]
    if isinstance(call.func, cst.Attribute):  # `shortcuts.get_object_or_404(...)`
        edits = [Replace(call.func.attr, twin)]
    elif isinstance(call.func, cst.Name) and call.func.value == function and importable(ctx, module, twin):
        edits = [Replace(call.func, twin), AddImport(module, twin), RemoveImport(module, function)]
    else:
        return None
    return Fix(f"Await `{twin}()`", Safety.SAFE, (*await_call(call, ctx.parent()), *edits))


def bridge_fix(ctx: FileContext, call: cst.Call) -> Fix | None:
    """`f(args)` -> `await sync_to_async(f)(args)` for the visited call, importing sync_to_async:
    the unsafe fix of a sync call with no async twin, which moves its work into a thread."""
    if not (can_await(ctx) and importable(ctx, "asgiref.sync", "sync_to_async")):
        return None
    edits: list[NodeEdit] = [InsertAfter(call.func, ")"), AddImport("asgiref.sync", "sync_to_async")]
    if needs_parentheses(call, ctx.parent()):
        edits += [InsertBefore(call, "(await sync_to_async("), InsertAfter(call, ")")]
    else:
        edits.append(InsertBefore(call, "await sync_to_async("))
    return Fix(f"Run `{ctx.snippet(call.func)}()` in a thread", Safety.UNSAFE, tuple(edits))


def importable(ctx: FileContext, module: str, name: str | None = None) -> bool:
    """Whether `from module import name` (`import module`) can be added without shadowing
    another binding of the name at module level."""
    local = name or module
    summary = ctx.index.modules.get(ctx.module_name)
    imports = summary.imports if summary is not None else {}
    bound = imports.get(local)
    if bound is not None:
        return bound == (f"{module}.{name}" if name else module)
    return not any(
        isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.name.value == local
        for statement in ctx.module.body
    )


def insert_at_top(
    ctx: FileContext, owner: cst.ClassDef | cst.FunctionDef, lines: list[str], *outer: cst.BaseSuite
) -> InsertBefore | None:
    """Statements (`lines`, "" for a blank line) at the top of a class or function body, after its
    docstring; `outer` are the blocks between the visited node and `owner`. None for a body on
    one line or holding only a docstring."""
    body = owner.body
    if not isinstance(body, cst.IndentedBlock):
        return None
    first = 1 if owner.get_docstring() is not None else 0
    if first >= len(body.body):
        return None
    indent = indent_of(ctx, (*ctx.ancestors, *outer, body))
    text = "\n".join(f"{indent}{line}" if line else "" for line in lines).removeprefix(indent)
    return InsertBefore(body.body[first], f"{text}\n{indent}")


# Async methods of a QuerySet that return one instance of its model.
_INSTANCE_GETTERS = frozenset({"aget", "afirst", "alast", "aearliest", "alatest"})


def producing_query(ctx: FileContext, instance: cst.BaseExpression) -> cst.BaseExpression | None:
    """The QuerySet (or Manager) expression whose query produced the model instance `instance`
    names: where the function the visited node is in binds that name once, to
    `await <query>.aget(...)` (or `afirst()`, `alast()`, `aearliest()`, `alatest()`) or in
    `async for ... in <query>`. None where the query is elsewhere or not known."""
    if not isinstance(instance, cst.Name):
        return None
    found = ctx.scope.lookup(instance.value)
    function = ctx.scope.function
    if found is None or function is None or found[0].function is not function or len(found[1]) != 1:
        return None
    binding = found[1][0]
    query: cst.BaseExpression | None = None
    if isinstance(binding, IterBinding) and binding.is_async:
        query = binding.node
    elif isinstance(binding, ValueBinding) and isinstance(binding.node, cst.Await):
        call = binding.node.expression
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value in _INSTANCE_GETTERS
        ):
            query = call.func.value
    if query is None or not isinstance(ctx.infer(query), (QuerySet, Manager)):
        return None
    return query


def statement_indent(ctx: FileContext) -> str:
    """The indentation of the statement being visited (a `with`, a class), from its enclosing blocks."""
    return indent_of(ctx, ctx.ancestors)


def indent_of(ctx: FileContext, nodes: Iterable[cst.CSTNode]) -> str:
    """The indentation the indented blocks among `nodes` add up to."""
    return "".join(
        ctx.module.default_indent if node.indent is None else node.indent
        for node in nodes
        if isinstance(node, cst.IndentedBlock)
    )
