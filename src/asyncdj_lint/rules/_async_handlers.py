"""The fix of a class-based view whose sync handlers must become async (ADJ701, ADJ705): each sync
handler the view defines is renamed `_<name>_sync` and awaited through `sync_to_async` by an
`async def <name>` in its place."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.fixes import AddImport, Fix, InsertBefore, NodeEdit, Replace, Safety
from asyncdj_lint.rules._fixes import importable, indent_of
from asyncdj_lint.rules._request_path import module_class
from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.walk import Visitor, walk


def handlers_fix(ctx: FileContext, node: cst.ClassDef, sync_names: list[str]) -> Fix | None:
    """Each sync handler the view defines itself (`def post(self, request)`) renamed
    `_post_sync`, and an `async def post` in its place that awaits it through `sync_to_async`:
    the handlers are then all async, and the sync code runs in a thread, as Django runs a sync
    view. None where a handler is not a plain method the class defines, where the view or its
    module calls a handler through `self` or `super()` (it would get a coroutine), where a class
    decorator names a handler, or where a new name is taken."""
    found = module_class(ctx, node)
    body = node.body
    if (
        found is None
        or not isinstance(body, cst.IndentedBlock)
        or not importable(ctx, "asgiref.sync", "sync_to_async")
    ):
        return None
    methods = {
        statement.name.value: statement
        for statement in body.body
        if isinstance(statement, cst.FunctionDef) and statement.asynchronous is None
    }
    uses = _Uses()
    walk(ctx.module, uses)
    wrapped = set(sync_names)
    if (
        any(name not in methods or f"_{name}_sync" in uses.names for name in sync_names)
        or wrapped & uses.called_on_self
        or wrapped & uses.strings_in_decorators(node)
        or any(_is_not_plain(methods[name]) for name in sync_names)
    ):
        return None
    indent = indent_of(ctx, (*ctx.ancestors, body))
    inner = indent + ctx.module.default_indent
    newline = ctx.module.default_newline
    edits: list[NodeEdit] = [AddImport("asgiref.sync", "sync_to_async")]
    for name in sync_names:
        method = methods[name]
        wrapper = newline.join(
            [
                f"async def {name}(self, request, *args, **kwargs):",
                f"{inner}return await sync_to_async(self._{name}_sync)(request, *args, **kwargs)",
                "",
                indent,
            ]
        )
        first = method.decorators[0] if method.decorators else method
        edits += [InsertBefore(first, wrapper), Replace(method.name, f"_{name}_sync")]
    return Fix("Await the sync handlers through `sync_to_async`", Safety.UNSAFE, tuple(edits))


def _is_not_plain(method: cst.FunctionDef) -> bool:
    """A static or class method, or one whose first parameter is not a plain one."""
    params = method.params
    decorated = any(
        isinstance(decorator.decorator, cst.Name)
        and decorator.decorator.value in ("staticmethod", "classmethod")
        for decorator in method.decorators
    )
    return decorated or not (params.posonly_params or params.params)


class _Uses(Visitor):
    """Every identifier of the module, and the handler names it calls through `self` or `super()`."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.called_on_self: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.names.add(node.attr.value)
        owner = node.value
        if (isinstance(owner, cst.Name) and owner.value in ("self", "cls")) or (
            isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super"
        ):
            self.called_on_self.add(node.attr.value)

    @staticmethod
    def strings_in_decorators(node: cst.ClassDef) -> set[str]:
        """The strings a class decorator holds (`method_decorator(..., name="post")`)."""
        strings = _Strings()
        for decorator in node.decorators:
            walk(decorator, strings)
        return strings.found


class _Strings(Visitor):
    def __init__(self) -> None:
        self.found: set[str] = set()

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = string_value(node)
        if value is not None:
            self.found.add(value)
