"""ADJ511: StreamingHttpResponse given a sync iterator in async code."""

from __future__ import annotations

import re

import libcst as cst

from asyncdj_lint.analysis.calls import argument, bound_values, callee_name, defined_function
from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.loading import deferred_field
from asyncdj_lint.analysis.scopes import Scope
from asyncdj_lint.analysis.values import Instance
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import Fix, FixAvailability, InsertBefore, Safety
from asyncdj_lint.rules._render import is_literal, listed_rows
from asyncdj_lint.rules.base import RESPONDS_OK, Example, Expected, Outcome, Rule, Severity
from asyncdj_lint.syntax.arguments import bound_parameters
from asyncdj_lint.syntax.walk import Visitor, children, walk

STREAMING_RESPONSES = frozenset(
    {"django.http.StreamingHttpResponse", "django.http.response.StreamingHttpResponse"}
)


class SyncStreamingIterator(Rule):
    code = "ADJ511"
    name = "sync-streaming-iterator"
    stable_since = "0.1.0"
    severity = Severity.WARNING
    summary = "An async view streams a sync generator with `StreamingHttpResponse`."
    why = (
        "Under ASGI, Django serves a `StreamingHttpResponse` asynchronously. Given a sync "
        "generator, it warns `StreamingHttpResponse must "
        "consume synchronous iterators in order to serve them asynchronously` and reads "
        "the whole iterator in a thread before it sends a byte: nothing streams, and the "
        "content sits in memory. Since Django 4.2 it accepts async iterators: pass an async "
        "generator. (Django 4.1 iterated sync content on the event loop itself.)"
    )
    django_versions = "4.2 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "When the target Django version serves async iterators (4.2+), a generator function "
        "`def rows(...)` becomes `async def rows(...)` where that is provably the same code: it is "
        "defined at the top of the same module, not decorated, and named nowhere else in the project "
        "(this module defines and calls it once; no other module's source holds its name); its "
        "arguments are literals, module-level constants computed from literals (bound once, not "
        "`global` in a function, named in no other module), or a list the view "
        "built (`[o async for o in qs]`); "
        "and its body only loops over them, tests and formats plain values and reads loaded "
        "concrete fields of the rows: no relation, deferred field, property or method of a model, "
        "and no call but a few builtins and methods of plain values, so it neither queries nor "
        "blocks on the event loop. The fix is unsafe: the generator's body moves from Django's "
        "thread to the event loop. Any other generator has no fix."
    )
    invalid = (
        Example(
            """\
from django.http import StreamingHttpResponse


def number_lines():
    for number in range(3):
        yield f"{number}\\n"


async def export(request):
    return StreamingHttpResponse(number_lines())
""",
            Outcome(
                warning="Warning", warning_message="StreamingHttpResponse must consume synchronous iterators"
            ),
            expected=(
                Expected(
                    "10:12-10:49",
                    "`StreamingHttpResponse` gets a sync generator in async code: Django warns and reads it whole in a thread before sending, so nothing streams; pass an async generator (`async def ...: yield ...`)",
                ),
            ),
            fixed="""\
from django.http import StreamingHttpResponse


async def number_lines():
    for number in range(3):
        yield f"{number}\\n"


async def export(request):
    return StreamingHttpResponse(number_lines())
""",
        ),
    )
    valid = (
        Example(
            """\
from django.http import StreamingHttpResponse


async def rows():
    for number in range(3):
        yield f"{number}\\n"


async def export(request):
    return StreamingHttpResponse(rows())
""",
            RESPONDS_OK,
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop or callee_name(self.ctx, node) not in STREAMING_RESPONSES:
            return
        content = argument(node, 0, "streaming_content")
        if content is None or not self._is_sync_iterable(content):
            return
        advice = api.advise(
            self.ctx.options,
            api.ASYNC_STREAMING_SINCE,
            "pass an async generator (`async def ...: yield ...`)",
            "serve the stream from a sync view",
        )
        fix = None
        if isinstance(content, cst.Call) and api.has(self.ctx.options, api.ASYNC_STREAMING_SINCE):
            fix = _async_generator_fix(self.ctx, content)
        self.report(
            node,
            "`StreamingHttpResponse` gets a sync generator in async code: Django warns and reads it whole "
            f"in a thread before sending, so nothing streams; {advice}",
            fix=fix,
        )

    def _is_sync_iterable(self, expr: cst.BaseExpression) -> bool:
        values = bound_values(self.ctx, expr)
        return bool(values) and all(self._is_sync_iterable_value(value, scope) for value, scope in values)

    def _is_sync_iterable_value(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        # Only generators: content already in a list gains nothing from streaming, and
        # code for Django < 4.2 (no async iterators) wraps such lists in iter().
        if isinstance(expr, cst.GeneratorExp):
            return expr.for_in.asynchronous is None
        return isinstance(expr, cst.Call) and _is_sync_generator(defined_function(expr.func, scope))


def _is_sync_generator(function: cst.FunctionDef | None) -> bool:
    """A `def` (not `async def`) whose own body, outside nested scopes, yields."""
    if function is None or function.asynchronous is not None:
        return False
    pending = list(children(function.body))
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Yield):
            return True
        if not isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            pending.extend(children(node))
    return False


# What a name in the generator holds: plain data (literals, numbers, field values), a model
# instance (a row of a list the view built), or a list of either.
_PLAIN = "plain"
_Kind = object  # _PLAIN, an Instance, or a list holding one kind


def _async_generator_fix(ctx: FileContext, call: cst.Call) -> Fix | None:
    """`def rows(...): ... yield ...` -> `async def rows(...)`, for the generator the call builds:
    where it is a module-level function of this file, called here only, whose body does nothing
    but loop over what the call passes it (a list of rows, a literal list, a `range()`) and
    format plain values, reading only concrete fields of the rows. Such a body runs the same as an
    async generator, and on the event loop it neither queries nor blocks."""
    function = defined_function(call.func, ctx.scope)
    module_scope = ctx.scope.module_scope
    if (
        function is None
        or not any(statement is function for statement in ctx.module.body)
        or function.decorators
        or function.asynchronous is not None
        or not _called_here_only(ctx, function.name.value)
    ):
        return None
    kinds = _parameter_kinds(ctx, function, call)
    if kinds is None or not _Body(ctx, module_scope, kinds).suite(function.body):
        return None
    return Fix(
        f"Make `{function.name.value}()` an async generator",
        Safety.UNSAFE,
        (InsertBefore(function, "async "),),
    )


def _called_here_only(ctx: FileContext, name: str) -> bool:
    """Whether this module names the function only where it is defined and called once, and no
    other project module's source holds its name."""
    count = _NameCount(name)
    walk(ctx.module, count)
    if count.names != 2 or count.strings:
        return False
    return not _named_elsewhere(ctx, name)


def _named_elsewhere(ctx: FileContext, name: str) -> bool:
    """Whether another project module's source holds `name` (it may use or rebind it)."""
    return any(module != ctx.module_name and ctx.index.holds(module, name) for module in ctx.index.modules)


class _NameCount(Visitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.names = 0
        self.strings = False
        self.declared_global = False
        self._word = re.compile(rf"\b{re.escape(name)}\b")

    def visit_Name(self, node: cst.Name) -> None:
        self.names += node.value == self.name

    def visit_Global(self, node: cst.Global) -> None:
        self.declared_global = self.declared_global or any(
            item.name.value == self.name for item in node.names
        )

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.strings = self.strings or bool(self._word.search(node.value))


def _parameter_kinds(ctx: FileContext, function: cst.FunctionDef, call: cst.Call) -> dict[str, _Kind] | None:
    """What each parameter receives from the call; None where one is not known."""
    params = function.params
    if params.star_kwarg is not None or not isinstance(params.star_arg, cst.MaybeSentinel):
        return None
    if any(arg.star for arg in call.args):
        return None
    pairs = bound_parameters(function, call)
    if len(pairs) != len(call.args):
        return None  # an argument that lands on no parameter
    given = {param.name.value: arg.value for param, arg in pairs}
    kinds: dict[str, _Kind] = {}
    for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
        value = given.get(param.name.value, param.default)
        if value is None:
            return None
        if _constant(ctx, value):
            kinds[param.name.value] = _PLAIN
        elif isinstance(value, (cst.List, cst.Tuple)) or not is_literal(value):
            rows = listed_rows(ctx, value, ctx.scope)
            if not rows or not (rows[0] == "" or isinstance(rows[0], Instance)):
                return None
            kinds[param.name.value] = [_PLAIN if rows[0] == "" else rows[0]]
        else:
            kinds[param.name.value] = _PLAIN
    return kinds


def _constant(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """A module-level name bound once, to a literal scalar or an operation on literals
    (`NOTES = b"..." * 4`): plain data, the same wherever it is read."""
    if not isinstance(expr, cst.Name):
        return False
    found = ctx.scope.lookup(expr.value)
    values = bound_values(ctx, expr)
    if found is None or found[0] is not ctx.scope.module_scope or len(values) != 1:
        return False
    declared = _NameCount(expr.value)
    walk(ctx.module, declared)
    if declared.declared_global or _named_elsewhere(ctx, expr.value):
        return False  # a function here or another module may bind it to something else
    pending = [values[0][0]]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.BinaryOperation):
            pending += [node.left, node.right]
        elif isinstance(node, cst.UnaryOperation):
            pending.append(node.expression)
        elif isinstance(node, (cst.List, cst.Tuple, cst.Set, cst.Dict)) or not is_literal(node):
            return False
    return True


# Builtins that turn plain values into plain values.
_PLAIN_BUILTINS = frozenset({"str", "int", "float", "bool", "len", "abs", "round", "format", "min", "max"})


class _Body:
    """Whether a generator body is made only of statements and expressions known to run the same,
    without a query or a blocking call, once the generator is async (flow-insensitively: a name has
    one kind throughout)."""

    def __init__(self, ctx: FileContext, module_scope: Scope, kinds: dict[str, _Kind]) -> None:
        self.ctx = ctx
        self.module_scope = module_scope
        self.kinds = dict(kinds)

    def suite(self, suite: cst.BaseSuite) -> bool:
        if isinstance(suite, cst.SimpleStatementSuite):
            return all(self.small(statement) for statement in suite.body)
        assert isinstance(suite, cst.IndentedBlock)
        return all(self.statement(statement) for statement in suite.body)

    def statement(self, statement: cst.BaseStatement) -> bool:
        if isinstance(statement, cst.SimpleStatementLine):
            return all(self.small(small) for small in statement.body)
        if isinstance(statement, cst.For):
            if statement.asynchronous is not None or statement.orelse is not None:
                return False
            if not isinstance(statement.target, cst.Name) or statement.target.value in self.kinds:
                return False
            rows = self.kind(statement.iter)
            if not isinstance(rows, list):
                return False
            self.kinds[statement.target.value] = rows[0]
            return self.suite(statement.body)
        if isinstance(statement, cst.If):
            orelse = statement.orelse
            if self.kind(statement.test) != _PLAIN or not self.suite(statement.body):
                return False
            if isinstance(orelse, cst.If):
                return self.statement(orelse)
            return orelse is None or self.suite(orelse.body)
        return False

    def small(self, small: cst.BaseSmallStatement) -> bool:
        if isinstance(small, (cst.Pass, cst.Continue, cst.Break)):
            return True
        if isinstance(small, cst.Expr):
            value = small.value
            if isinstance(value, cst.Yield):  # `yield from` has no async form
                return not isinstance(value.value, cst.From) and (
                    value.value is None or self.kind(value.value) == _PLAIN
                )
            return isinstance(value, cst.SimpleString)  # a docstring
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            if not isinstance(target, cst.Name) or self.kinds.get(target.value, _PLAIN) != _PLAIN:
                return False
            if self.kind(small.value) != _PLAIN:
                return False
            self.kinds[target.value] = _PLAIN
            return True
        return False

    def kind(self, expr: cst.BaseExpression) -> _Kind | None:
        """What the expression gives: _PLAIN, a model instance, a list of one of them; None when
        evaluating it may do anything else."""
        if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary)):
            return _PLAIN
        if isinstance(expr, cst.Name):
            if expr.value in self.kinds:
                return self.kinds[expr.value]
            return _PLAIN if expr.value in ("True", "False", "None") else None
        if isinstance(expr, cst.FormattedString):
            return _PLAIN if all(self._part(part) for part in expr.parts) else None
        if isinstance(expr, cst.ConcatenatedString):
            return _PLAIN if self.kind(expr.left) == self.kind(expr.right) == _PLAIN else None
        if isinstance(expr, cst.Attribute):
            owner = self.kind(expr.value)
            if isinstance(owner, Instance):
                return _PLAIN if self._concrete(owner, expr.attr.value) else None
            return _PLAIN if owner == _PLAIN else None
        if isinstance(expr, cst.UnaryOperation):
            return self._plain(expr.expression)
        if isinstance(expr, cst.BinaryOperation):
            return self._plain(expr.left, expr.right)
        if isinstance(expr, cst.BooleanOperation):
            return self._plain(expr.left, expr.right)
        if isinstance(expr, cst.Comparison):
            return self._plain(expr.left, *(target.comparator for target in expr.comparisons))
        if isinstance(expr, cst.IfExp):
            return self._plain(expr.test, expr.body, expr.orelse)
        if isinstance(expr, cst.Subscript):
            parts: list[cst.BaseExpression] = [expr.value]
            for element in expr.slice:
                item = element.slice
                if isinstance(item, cst.Index):
                    parts.append(item.value)
                elif isinstance(item, cst.Slice):
                    parts += [bound for bound in (item.lower, item.upper, item.step) if bound is not None]
                else:
                    return None
            return self._plain(*parts)
        if isinstance(expr, (cst.List, cst.Tuple)):
            values = [
                element.value for element in expr.elements if not isinstance(element, cst.StarredElement)
            ]
            if len(values) != len(expr.elements):
                return None
            return self._plain(*values)
        if isinstance(expr, cst.Call):
            return self._call(expr)
        return None

    def _call(self, call: cst.Call) -> _Kind | None:
        if any(arg.star or arg.keyword is not None for arg in call.args):
            return None
        args = [arg.value for arg in call.args]
        func = call.func
        if isinstance(func, cst.Name) and self.module_scope.lookup(func.value) is None:
            if func.value == "range":
                return [_PLAIN] if self._plain(*args) else None
            return self._plain(*args) if func.value in _PLAIN_BUILTINS else None
        if isinstance(func, cst.Attribute) and self.kind(func.value) == _PLAIN:
            return self._plain(*args)  # a method of a string, a number or a field's value
        return None

    def _plain(self, *exprs: cst.BaseExpression) -> _Kind | None:
        return _PLAIN if all(self.kind(expr) == _PLAIN for expr in exprs) else None

    def _part(self, part: cst.BaseFormattedStringContent) -> bool:
        if isinstance(part, cst.FormattedStringText):
            return True
        assert isinstance(part, cst.FormattedStringExpression)
        spec = part.format_spec or ()
        return self.kind(part.expression) == _PLAIN and all(self._part(inner) for inner in spec)

    def _concrete(self, instance: Instance, attr: str) -> bool:
        """Whether reading `instance.attr` reads a loaded concrete field: no relation, no deferred
        field, no property or method of the model."""
        index = self.ctx.index
        if instance.loading is None:
            return False  # what the query loaded is unknown: a field may be deferred
        if attr == "pk":
            return True
        fields = index.relations.fields(instance.model.qualname)
        field = fields.attnames.get(attr, attr)
        return (
            field in fields.concrete
            and not (field in fields.relations and attr == field)
            and deferred_field(index, instance, attr) is None
            and index.functions.method(instance.model.qualname, attr) is None
        )
