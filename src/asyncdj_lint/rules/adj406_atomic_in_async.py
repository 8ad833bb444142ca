"""ADJ406: `transaction.atomic` used in or on async code."""

from __future__ import annotations

import builtins
import io
import re
import tokenize

import libcst as cst

from asyncdj_lint.analysis.calls import callee_name
from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.values import Instance, Manager, QuerySet, Symbol
from asyncdj_lint.facts import orm_api
from asyncdj_lint.fixes import AddImport, Fix, FixAvailability, Replace, Safety
from asyncdj_lint.rules._fixes import can_await, importable, statement_indent
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Outcome, Rule, Severity
from asyncdj_lint.syntax.literals import bool_value
from asyncdj_lint.syntax.names import NameCollector, import_bindings, names_in
from asyncdj_lint.syntax.walk import Visitor, walk

ATOMIC = "django.db.transaction.atomic"
_ADVICE = (
    "Django has no async transactions (through 6.1): put the transaction in a sync function "
    "decorated with `@transaction.atomic` and `await sync_to_async(that_function)()`"
)


class AtomicInAsync(Rule):
    code = "ADJ406"
    name = "atomic-in-async"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "`transaction.atomic` is used inside, or as a decorator of, async code."
    why = (
        "Transactions are sync only, through Django 6.1. `with transaction.atomic():` in "
        "async code opens the transaction on the event loop and raises "
        "`SynchronousOnlyOperation`; `async with` raises `TypeError`. As a decorator of an "
        "`async def`, `atomic` wraps only the creation of the coroutine: its wrapper is a "
        "sync function, so Django serves a decorated view as a sync one and fails with "
        "`ValueError: ... It returned an unawaited coroutine instead`, and no transaction "
        "ever covers the coroutine's queries. Hold the transaction in one sync function and "
        "run it with `sync_to_async`."
    )
    django_versions = "4.1 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "A `with transaction.atomic():` block in an `async def` moves into a sync function nested "
        "where the block was, named after the view (`restock_in_transaction`), which the view "
        "awaits through `sync_to_async`; inside it each `await` becomes its sync twin "
        "(`await qs.aupdate(...)` becomes `qs.update(...)`, `await obj.asave()` becomes "
        "`obj.save()`, `await sync_to_async(f)(...)` becomes `f(...)`). Names the block binds and "
        "the rest of the function uses are carried out: returned by the nested function when the "
        "block assigns them first, or declared `nonlocal` when the function binds them too. The fix "
        "is unsafe: the block's work moves into a thread. There is no fix where an `await` in the "
        "block has no known sync twin, where the block holds `async for`, `async with`, `return`, "
        "`yield`, a `break` or `continue` of an outer loop, `del`, `global`, `nonlocal`, `super()` "
        "or a string over several lines, or where a name cannot be carried out. "
        "`@transaction.atomic` on an `async def` moves the same way: the body (after its docstring) "
        "goes into a nested sync function that the decorator now wraps, and the view returns "
        "`await sync_to_async(that_function)()`, `return` included; a parameter the body rebinds is "
        "declared `nonlocal`. That needs `atomic` to be the decorator next to the `def`."
    )
    invalid = (
        Example(
            """\
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product


async def restock(request, pk):
    with transaction.atomic():
        await Product.objects.filter(pk=pk).aupdate(available=True)
    return HttpResponse("restocked")
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:10-7:30",
                    "`transaction.atomic()` in async code opens the transaction on the event loop and raises SynchronousOnlyOperation; Django has no async transactions (through 6.1): put the transaction in a sync function decorated with `@transaction.atomic` and `await sync_to_async(that_function)()`",
                ),
            ),
            fixed="""\
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product
from asgiref.sync import sync_to_async


async def restock(request, pk):
    def restock_in_transaction():
        with transaction.atomic():
            Product.objects.filter(pk=pk).update(available=True)

    await sync_to_async(restock_in_transaction)()
    return HttpResponse("restocked")
""",
        ),
        Example(
            """\
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product


@transaction.atomic
async def restock(request, pk):
    await Product.objects.filter(pk=pk).aupdate(available=True)
    return HttpResponse("restocked")
""",
            Outcome(
                exception="builtins.ValueError",
                message="It returned an unawaited coroutine instead",
                warning="RuntimeWarning",
                warning_message="was never awaited",
            ),
            expected=(
                Expected(
                    "6:1-6:20",
                    "`@transaction.atomic` cannot wrap an `async def`: its wrapper is sync, so no transaction covers the coroutine (and Django serves a decorated view as a sync view that returns an unawaited coroutine: ValueError); Django has no async transactions (through 6.1): put the transaction in a sync function decorated with `@transaction.atomic` and `await sync_to_async(that_function)()`",
                ),
            ),
            fixed="""\
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product
from asgiref.sync import sync_to_async


async def restock(request, pk):
    @transaction.atomic
    def restock_in_transaction():
        Product.objects.filter(pk=pk).update(available=True)
        return HttpResponse("restocked")

    return await sync_to_async(restock_in_transaction)()
""",
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.db import transaction
from django.http import HttpResponse
from shop.models import Product


@transaction.atomic
def mark_available(pk):
    Product.objects.filter(pk=pk).update(available=True)


async def restock(request, pk):
    await sync_to_async(mark_available)(pk)
    return HttpResponse("restocked")
"""
        ),
    )

    def visit_With(self, node: cst.With) -> None:
        if not self.ctx.on_loop:
            return
        for item in node.items:
            if not self._is_atomic(item.item):
                continue
            if node.asynchronous is not None:
                failure = "raises TypeError: `Atomic` is not an async context manager"
            else:
                failure = "opens the transaction on the event loop and raises SynchronousOnlyOperation"
            fix = (
                transaction_fix(self.ctx, node, self._transactions_before(node))
                if node.asynchronous is None and len(node.items) == 1
                else None
            )
            self.report(item, f"`{self.ctx.snippet(item.item)}` in async code {failure}; {_ADVICE}", fix=fix)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        for decorator in node.decorators:
            if self._is_atomic(decorator.decorator):
                self.report(
                    decorator,
                    f"`@{self.ctx.snippet(decorator.decorator)}` cannot wrap an `async def`: its wrapper is sync, "
                    "so no transaction covers the coroutine (and Django serves a decorated view as a sync view "
                    f"that returns an unawaited coroutine: ValueError); {_ADVICE}",
                    fix=decorated_fix(self.ctx, node, decorator),
                )

    def _transactions_before(self, node: cst.With) -> int:
        """How many `with transaction.atomic():` blocks come before `node` in its function: each
        fix of one round names its function apart."""
        withs = _Withs()
        walk(self.ctx.scope.node, withs)
        earlier = withs.found[: withs.found.index(node)] if node in withs.found else []
        return sum(any(self._is_atomic(item.item) for item in other.items) for other in earlier)

    def _is_atomic(self, expr: cst.BaseExpression) -> bool:
        """`atomic`, `transaction.atomic` or a call of either (`atomic(using="other")`)."""
        if isinstance(expr, cst.Call):
            return callee_name(self.ctx, expr) == ATOMIC
        value = self.ctx.infer(expr)
        return isinstance(value, Symbol) and value.qualname == ATOMIC


# -- the fix: the transaction's block, moved into a sync function run in a thread ---------------

# Names whose meaning changes inside a nested function: zero-argument `super()` needs the
# method's first argument, and the others read or run in the current frame.
_FRAME_BOUND = frozenset({"super", "__class__", "locals", "vars", "exec", "eval"})
_NOT_CODE = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
)
_LINE_END = re.compile(r"\r\n|\r|\n")


def transaction_fix(ctx: FileContext, node: cst.With, earlier: int = 0) -> Fix | None:
    """`with transaction.atomic(): <block>` in an async function -> a nested sync function holding
    the block, awaited through `sync_to_async`, where every `await` in the block has a sync twin
    and the block's names and control flow survive the move; None anywhere else. `earlier`
    blocks of the function take the free names before this one's."""
    function = ctx.scope.node
    if not (
        can_await(ctx)
        and isinstance(function, cst.FunctionDef)
        and importable(ctx, "asgiref.sync", "sync_to_async")
    ):
        return None
    block = _Block()
    walk(node, block)
    if block.refused:
        return None
    outside = _Block(skip=node)
    walk(function.body, outside)
    if outside.declares:
        return None  # `global` / `nonlocal` in the function: its names are not plain locals
    bound_outside = outside.bound | _parameters(function)
    carried = sorted(name for name in block.bound if name in outside.found or name in bound_outside)
    nonlocal_names = [name for name in carried if name in bound_outside]
    returned = [name for name in carried if name not in bound_outside]
    if any(not _assigned_first(node, name) for name in returned):
        return None
    synced = _Unawait(ctx)
    moved = node.with_changes(leading_lines=()).visit(synced)
    if synced.refused or not isinstance(moved, cst.With):
        return None
    text = _code_text(ctx.module.code_for_node(moved))
    if text is None:
        return None
    name = _free_name(ctx.module, f"{function.name.value}_in_transaction", earlier)
    indent = statement_indent(ctx)
    inner = indent + ctx.module.default_indent
    newline = ctx.module.default_newline
    lines = [f"def {name}():"]
    if nonlocal_names:
        lines.append(f"{inner}nonlocal {', '.join(nonlocal_names)}")
    lines += [f"{inner}{line}" if line.strip() else "" for line in _LINE_END.split(text)]
    if returned:
        lines.append(f"{inner}return {', '.join(returned)}")
    targets = f"{', '.join(returned)} = " if returned else ""
    lines += ["", f"{indent}{targets}await sync_to_async({name})()"]
    edits = (Replace(node, newline.join(lines)), AddImport("asgiref.sync", "sync_to_async"))
    return Fix("Run the transaction in a sync function, in a thread", Safety.UNSAFE, edits)


def decorated_fix(ctx: FileContext, function: cst.FunctionDef, decorator: cst.Decorator) -> Fix | None:
    """`@transaction.atomic` on an `async def` -> the body (after its docstring) moved into a
    nested sync function that the decorator now wraps, awaited through `sync_to_async`; where
    `atomic` is the decorator next to the `def` and the body can move as a block can."""
    body = function.body
    if not (
        isinstance(body, cst.IndentedBlock)
        and function.decorators[-1] is decorator
        and importable(ctx, "asgiref.sync", "sync_to_async")
    ):
        return None
    first = 1 if function.get_docstring() is not None else 0
    statements = [
        statement
        for statement in body.body[first:]
        if isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    ]
    moved_body = cst.Module(body=statements, default_indent=ctx.module.default_indent)
    block = _Block(returns=True)
    walk(moved_body, block)
    if not statements or block.refused:
        return None
    synced = _Unawait(ctx)
    moved = moved_body.visit(synced)
    if synced.refused or not isinstance(moved, cst.Module):
        return None
    text = _code_text(ctx.module.code_for_node(moved.with_changes(header=(), footer=())))
    code = ctx.module.code_for_node(function.with_changes(decorators=(), leading_lines=()))
    block_code = ctx.module.code_for_node(body)
    if text is None or not code.endswith(block_code):
        return None
    name = _free_name(ctx.module, f"{function.name.value}_in_transaction")
    unit = ctx.module.default_indent
    inner = statement_indent(ctx) + (unit if body.indent is None else body.indent)
    newline = ctx.module.default_newline
    header = code[: len(code) - len(block_code)] + ctx.module.code_for_node(body.header)
    lines = [
        f"{inner}{ctx.module.code_for_node(statement).lstrip()}".rstrip() for statement in body.body[:first]
    ]
    lines += [""] * first  # a blank line between the docstring and the nested function
    lines += [f"{inner}@{ctx.module.code_for_node(decorator.decorator)}", f"{inner}def {name}():"]
    carried = sorted(block.bound & _parameters(function))
    if carried:
        lines.append(f"{inner}{unit}nonlocal {', '.join(carried)}")
    lines += [f"{inner}{unit}{line}" if line.strip() else "" for line in _LINE_END.split(text)]
    # The decorator's line takes the new code up to the nested function's end; the `def` line,
    # after the line break between them, takes the call, one level into the body.
    edits = (
        Replace(decorator, header + newline.join([*lines, ""])),
        Replace(function, f"{inner.removeprefix(statement_indent(ctx))}return await sync_to_async({name})()"),
        AddImport("asgiref.sync", "sync_to_async"),
    )
    return Fix("Run the view's body in a transaction, in a thread", Safety.UNSAFE, edits)


def _parameters(function: cst.FunctionDef) -> set[str]:
    params = function.params
    named = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            named.append(star)
    return {param.name.value for param in named}


def _free_name(module: cst.Module, wanted: str, skip: int = 0) -> str:
    """`wanted`, or `wanted_2`, ...: a name no identifier of the module or builtin uses; the
    first such name after `skip` others."""
    taken = names_in(module) | set(dir(builtins))
    number = 1
    while True:
        candidate = wanted if number == 1 else f"{wanted}_{number}"
        number += 1
        if candidate in taken:
            continue
        if skip == 0:
            return candidate
        skip -= 1


def _code_text(code: str) -> str | None:
    """The statement's code up to its last token: the comments after it stay where they are in
    the file. None where the code holds a string over several lines (moving the block one
    level deeper would change it) or does not tokenize."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    if any(token.start[0] != token.end[0] and token.type not in _NOT_CODE for token in tokens):
        return None
    last = [token for token in tokens if token.type not in _NOT_CODE][-1]
    lines = code.splitlines(keepends=True)
    return "".join(lines[: last.end[0] - 1]) + lines[last.end[0] - 1][: last.end[1]]


def _assigned_first(node: cst.With, name: str) -> bool:
    """Whether the first statement of the block that mentions `name` is a plain assignment of it
    at the block's top level, its value not mentioning it: the name is bound once the block ends."""
    body = node.body
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    for statement in statements:
        if name not in names_in(statement):
            continue
        if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
            return False
        small = statement.body[0]
        if isinstance(small, cst.Assign):
            targets = [target.target for target in small.targets]
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            targets = [small.target]
        else:
            return False
        value = names_in(small.value) if small.value is not None else set()
        bound = {found.value for target in targets for found in _target_names(target)}
        return name not in value and name in bound
    return False


def _target_names(target: cst.BaseExpression) -> list[cst.Name]:
    """The names an assignment target binds (not attributes or subscripts)."""
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _target_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


class _Withs(Visitor):
    """The `with` statements, in the order they are written."""

    def __init__(self) -> None:
        self.found: list[cst.With] = []

    def visit_With(self, node: cst.With) -> None:
        self.found.append(node)


class _Block(NameCollector):
    """The names a block binds and mentions, and whether its code can move into a sync function
    unchanged but for its awaits (`skip`: a block left out of the walk)."""

    def __init__(self, skip: cst.CSTNode | None = None, *, returns: bool = False) -> None:
        self.skip = skip
        self.returns = returns  # whether a `return` may leave the walked code (a whole body)
        super().__init__()
        self.bound: set[str] = set()
        self.refused = False
        self.declares = False
        self._loops = 0
        self._nested = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.skip:
            return False
        if isinstance(node, (cst.For, cst.While)) or _opens_scope(node):
            self._loops += 1
        if _opens_scope(node):
            self._nested += 1
        return super().on_visit(node)

    def on_leave(self, node: cst.CSTNode) -> None:
        if isinstance(node, (cst.For, cst.While)) or _opens_scope(node):
            self._loops -= 1
        if _opens_scope(node):
            self._nested -= 1

    def _bind(self, target: cst.BaseExpression) -> None:
        """Names bound in the walked function's own scope; not those of functions nested in it."""
        if self._nested == 0:
            self.bound.update(name.value for name in _target_names(target))

    def visit_Name(self, node: cst.Name) -> None:
        self.found.add(node.value)
        self.refused |= node.value in _FRAME_BOUND

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target)  # in a comprehension too: `:=` binds in the function

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target)
        self.refused |= node.asynchronous is not None and self._nested == 0

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.refused |= node.asynchronous is not None  # its target is the comprehension's own

    def visit_With(self, node: cst.With) -> None:
        self.refused |= node.asynchronous is not None and self._nested == 0
        for item in node.items:
            if item.asname is not None:
                self._bind(item.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(node.name.name)

    def visit_Import(self, node: cst.Import) -> None:
        self.bound.update(import_bindings(node))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            self.refused = True
        else:
            self.bound.update(import_bindings(node))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self._nested == 1:  # its own name, bound where it is defined
            self.bound.add(node.name.value)
        self.refused |= node.asynchronous is not None  # its awaits are its own

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self._nested == 1:
            self.bound.add(node.name.value)

    def visit_Del(self, node: cst.Del) -> None:
        self.refused = True

    def visit_Global(self, node: cst.Global) -> None:
        self.refused = self.declares = True

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.refused = self.declares = True

    def visit_Match(self, node: cst.Match) -> None:
        self.refused = True  # its patterns bind names this walk does not follow

    def visit_Return(self, node: cst.Return) -> None:
        self.refused |= self._nested == 0 and not self.returns

    def visit_Yield(self, node: cst.Yield) -> None:
        self.refused |= self._nested == 0

    def visit_Break(self, node: cst.Break) -> None:
        self.refused |= self._loops == 0

    def visit_Continue(self, node: cst.Continue) -> None:
        self.refused |= self._loops == 0


def _opens_scope(node: cst.CSTNode) -> bool:
    return isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef))


class _Unawait(cst.CSTTransformer):
    """Each `await` of the block written as its sync twin: `await qs.aupdate(...)` ->
    `qs.update(...)`, `await obj.asave()` -> `obj.save()`, `await sync_to_async(f)(...)` -> `f(...)`;
    `refused` once an `await` has none."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.refused = False

    def visit_Await(self, node: cst.Await) -> bool:
        if self._twin(node.expression) is None:
            self.refused = True
        return True

    def leave_Await(self, original_node: cst.Await, updated_node: cst.Await) -> cst.BaseExpression:
        call = updated_node.expression
        twin = self._twin(original_node.expression)
        if twin is None or not isinstance(call, cst.Call):
            return updated_node
        if isinstance(twin, str):
            assert isinstance(call.func, cst.Attribute)
            synced = call.with_changes(func=call.func.with_changes(attr=cst.Name(twin)))
        else:
            synced = call.with_changes(func=twin)
        return synced.with_changes(lpar=original_node.lpar, rpar=original_node.rpar)

    def _twin(self, awaited: cst.BaseExpression) -> str | cst.BaseExpression | None:
        """The sync method's name that replaces the awaited method, or the function a bridge runs."""
        if not isinstance(awaited, cst.Call) or awaited.lpar:
            return None
        func = awaited.func
        if isinstance(func, cst.Call):
            return self._bridged(func)
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        receiver = self.ctx.infer(func.value)
        if isinstance(receiver, (QuerySet, Manager)) and method in orm_api.ASYNC_METHODS:
            return orm_api.ASYNC_METHODS[method] if receiver.methods.method(method) is None else None
        if isinstance(receiver, Instance) and method in orm_api.INSTANCE_ASYNC_METHODS:
            return orm_api.INSTANCE_ASYNC_METHODS[method]
        return None

    def _bridged(self, bridge: cst.Call) -> cst.BaseExpression | None:
        """`f` of `sync_to_async(f)` (or `sync_to_async(f, thread_sensitive=True)`)."""
        if callee_name(self.ctx, bridge) != "asgiref.sync.sync_to_async" or not bridge.args:
            return None
        first, *others = bridge.args
        if first.keyword is not None or first.star:
            return None
        for arg in others:
            if not (
                arg.keyword is not None
                and arg.keyword.value == "thread_sensitive"
                and bool_value(arg.value) is True
            ):
                return None
        function = first.value
        if function.lpar or isinstance(function, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
            return function
        return function.with_changes(lpar=(cst.LeftParen(),), rpar=(cst.RightParen(),))
