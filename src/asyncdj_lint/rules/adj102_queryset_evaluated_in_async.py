"""ADJ102: a QuerySet evaluated (iterated, counted, tested, indexed) on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.loading import async_iterated, returns_async_iterated
from asyncdj_lint.analysis.project_calls import locate, project_function
from asyncdj_lint.analysis.scopes import ValueBinding
from asyncdj_lint.analysis.values import Builtin
from asyncdj_lint.rules._orm import is_queryset
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity

# Builtins that iterate (or take the length of) their positional arguments at once.
_EVALUATING_BUILTINS = {
    "list": "`[x async for x in {qs}]`",
    "tuple": "`[x async for x in {qs}]`",
    "set": "`{{x async for x in {qs}}}`",
    "frozenset": "`{{x async for x in {qs}}}`",
    "sorted": "`order_by()` and `[x async for x in {qs}]`",
    "dict": "`{{... async for x in {qs}}}`",
    "len": "`await {qs}.acount()`",
    "bool": "`await {qs}.aexists()`",
    "any": "`await {qs}.aexists()`",
    "all": "`[x async for x in {qs}]`",
    "min": "`await {qs}.order_by(...).afirst()`",
    "max": "`await {qs}.order_by(...).alast()`",
    "sum": "`await {qs}.aaggregate(...)`",
    "enumerate": "`async for` over {qs}",
    "zip": "`[x async for x in {qs}]` first",
    "map": "`[x async for x in {qs}]` first",
    "filter": "`{qs}.filter(...)`",
    "iter": "`async for` over {qs}",
    "reversed": "`{qs}.reverse()` and `async for`",
    "print": "`[x async for x in {qs}]` first (repr() fetches rows)",
    "str": "`[x async for x in {qs}]` first (str() fetches rows)",
    "repr": "`[x async for x in {qs}]` first (repr() fetches rows)",
}


class QuerySetEvaluatedInAsync(Rule):
    code = "ADJ102"
    name = "queryset-evaluated-in-async"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "A QuerySet is evaluated (iterated, counted, tested, indexed, printed) in async code."
    why = (
        "A QuerySet is lazy: building it runs no SQL, evaluating it does. A sync `for` loop, "
        "`list()`, `len()`, `if qs:`, `x in qs`, `qs[0]`, unpacking or `repr()` run the "
        "query on the event loop, and Django raises `SynchronousOnlyOperation`. Iterate "
        "with `async for` (a QuerySet supports it since Django 4.1) or use the async "
        "methods: `acount()`, `aexists()`, `acontains()`, `afirst()`. `async for` loads every "
        "row into the QuerySet's result cache at once: after it (in the same function, or in a "
        "project function the QuerySet was passed to and awaited, or in the project coroutine "
        "that returned it), `len()`, truth tests, `in`, "
        "indexing and iteration of that same name run no query and are not reported, until "
        "the name is bound again. A QuerySet is followed where Python keeps it: returned by a "
        "project function, as its body or else its return annotation says (also as an item of a "
        "returned tuple that the caller unpacks), bound by "
        "`:=`, or bound to a name that is `None` on another path (`if qs:` evaluates it on the path "
        "where it is a QuerySet: keep the None check, `qs is not None and await qs.aexists()`). "
        "A QuerySet that `await sync_to_async(f)()` returns from a project function was only built "
        "in the thread: evaluating it afterwards is reported as any other."
    )
    invalid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_names(request):
    products = Product.objects.filter(available=True)
    names = [product.name for product in products]
    return JsonResponse({"names": names})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:27-7:50",
                    "a comprehension over `products` evaluates the QuerySet on the event loop and raises SynchronousOnlyOperation; use `async for` in the comprehension",
                ),
            ),
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def has_products(request):
    if Product.objects.filter(available=True):
        return JsonResponse({"any": True})
    return JsonResponse({"any": False})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "6:8-6:46",
                    "testing `Product.objects.filter(available=True)` for truth evaluates the QuerySet on the event loop and raises SynchronousOnlyOperation; use `await Product.objects.filter(available=True).aexists()`",
                ),
            ),
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def newer_products(request, pk):
    products = None
    if pk:
        products = Product.objects.filter(pk__gt=pk)
    if products:
        return JsonResponse({"found": True})
    return JsonResponse({"found": False})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "9:8-9:16",
                    "testing `products` for truth evaluates the QuerySet on the event loop and raises SynchronousOnlyOperation; use `products is not None and await products.aexists()`",
                ),
            ),
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


def catalogue(pk):
    return Product.objects.filter(pk__gte=pk), pk


async def products_from(request, pk):
    products, first = catalogue(pk)
    return JsonResponse({"names": [product.name for product in products], "from": first})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "11:49-11:72",
                    "a comprehension over `products` evaluates the QuerySet on the event loop and raises SynchronousOnlyOperation; use `async for` in the comprehension",
                ),
            ),
        ),
        Example(
            """\
from django.contrib.auth.models import User
from django.http import JsonResponse


async def my_groups(request):
    user = await User.objects.aget(username="ada")
    names = []
    for group in user.groups.all():
        names.append(group.name)
    return JsonResponse({"groups": names})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "8:5-9:33",
                    "`for ... in user.groups.all()` evaluates the QuerySet on the event loop and raises SynchronousOnlyOperation; use `async for ... in user.groups.all()`",
                ),
            ),
        ),
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from shop.models import Product


def available_products():
    return Product.objects.filter(available=True)


async def product_names(request):
    products = await sync_to_async(available_products)()
    return JsonResponse({"names": [product.name for product in products]})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "12:49-12:72",
                    "a comprehension over `products` evaluates the QuerySet on the event loop and raises SynchronousOnlyOperation; use `async for` in the comprehension",
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.contrib.auth.models import User
from django.http import JsonResponse


async def my_groups(request):
    user = await User.objects.aget(username="ada")
    names = []
    async for group in user.groups.all():
        names.append(group.name)
    return JsonResponse({"groups": names})
"""
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


def catalogue(pk):
    return Product.objects.filter(pk__gte=pk), pk


async def newer_products(request, pk):
    products = None
    if pk:
        products = Product.objects.filter(pk__gt=pk)
    found = products is not None and await products.aexists()
    listed, first = catalogue(pk)
    return JsonResponse({"found": found, "names": [product.name async for product in listed]})
"""
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_names(request):
    products = Product.objects.filter(available=True)
    names = [product.name async for product in products]
    return JsonResponse({"names": names})
"""
        ),
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from shop.models import Product


async def has_products(request):
    exists = await Product.objects.filter(available=True).aexists()
    products = await sync_to_async(list)(Product.objects.all())
    return JsonResponse({"any": exists, "count": len(products)})
"""
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Product


async def product_names(request):
    products = Product.objects.filter(available=True)
    names = [product.name async for product in products]
    return JsonResponse({"names": names, "count": len(products), "any": bool(products)})
"""
        ),
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        # (id of the scope that binds it, name) of each QuerySet whose result cache an
        # `async for` filled: until the name is bound again, evaluating it runs no query.
        self._filled: set[tuple[int, str]] = set()

    def _evaluated(self, node: cst.CSTNode, qs_expr: cst.BaseExpression, how: str, advice: str) -> None:
        if (key := self._binding_key(qs_expr)) is not None and key in self._filled:
            return
        qs = self.ctx.snippet(qs_expr)
        self.report(
            node,
            f"{how.format(qs=qs)} evaluates the QuerySet on the event loop and raises "
            f"SynchronousOnlyOperation; use {advice.format(qs=qs)}",
        )

    def _binding_key(self, expr: cst.BaseExpression) -> tuple[int, str] | None:
        if not isinstance(expr, cst.Name):
            return None
        found = self.ctx.scope.lookup(expr.value)
        return (id(found[0].node), expr.value) if found is not None else None

    def _fill(self, expr: cst.BaseExpression) -> None:
        """`async for ... in qs` loads every row into `qs`'s result cache at once."""
        if (key := self._binding_key(expr)) is not None:
            self._filled.add(key)

    def _rebind(self, target: cst.BaseExpression) -> None:
        if (key := self._binding_key(target)) is not None:
            self._filled.discard(key)

    def leave_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._rebind(target.target)
        if self._awaits_filled_queryset(node.value):
            for target in node.targets:
                self._fill(target.target)

    def _awaits_filled_queryset(self, value: cst.BaseExpression) -> bool:
        """`await load(...)`, where the project coroutine `load` returns a QuerySet it ran `async for` over."""
        if not (isinstance(value, cst.Await) and isinstance(value.expression, cst.Call)):
            return False
        ref = project_function(self.ctx.index, self.ctx.infer(value.expression.func))
        located = locate(self.ctx.project, ref) if ref is not None else None
        return located is not None and returns_async_iterated(located[2])

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._rebind(node.target)

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self._rebind(node.target)

    def visit_Await(self, node: cst.Await) -> None:
        """`await warm(qs)`, where the project function `warm` runs `async for` over that argument."""
        call = node.expression
        if not isinstance(call, cst.Call):
            return
        ref = project_function(self.ctx.index, self.ctx.infer(call.func))
        located = locate(self.ctx.project, ref) if ref is not None else None
        if located is None or not isinstance(located[1].node, cst.FunctionDef):
            return
        filled = async_iterated(located[1].node.body, parameters=True)
        for param, arg in _parameters_of(located[1].node, call, bound=isinstance(call.func, cst.Attribute)):
            if param in filled:
                self._fill(arg)

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None:
            self._fill(node.iter)
        elif self.ctx.on_loop and is_queryset(self.ctx, node.iter):
            self._evaluated(node, node.iter, "`for ... in {qs}`", "`async for ... in {qs}`")

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is not None:
            self._fill(node.iter)
        elif self.ctx.on_loop and is_queryset(self.ctx, node.iter):
            self._evaluated(
                node, node.iter, "a comprehension over `{qs}`", "`async for` in the comprehension"
            )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop:
            return
        callee = self.ctx.infer(node.func)
        if not isinstance(callee, Builtin) or callee.name not in _EVALUATING_BUILTINS:
            return
        for arg in node.args:
            if arg.keyword is None and is_queryset(self.ctx, arg.value):
                how = f"`{callee.name}({{qs}})`" if arg.star == "" else f"`{callee.name}(*{{qs}})`"
                self._evaluated(node, arg.value, how, _EVALUATING_BUILTINS[callee.name])
                return

    def visit_If(self, node: cst.If) -> None:
        self._truth_test(node.test)

    def visit_While(self, node: cst.While) -> None:
        self._truth_test(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._truth_test(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._truth_test(node.test)

    def _truth_test(self, test: cst.BaseExpression) -> None:
        """`if qs:`, `if not qs:`, `if qs and x:` take the QuerySet's truth value."""
        if not self.ctx.on_loop:
            return
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            self._truth_test(test.expression)
        elif isinstance(test, cst.BooleanOperation):
            self._truth_test(test.left)
            self._truth_test(test.right)
        elif is_queryset(self.ctx, test):
            # A name that is None on another path keeps its None check.
            check = "`{qs} is not None and await {qs}.aexists()`" if self._may_be_none(test) else None
            self._evaluated(test, test, "testing `{qs}` for truth", check or "`await {qs}.aexists()`")

    def _may_be_none(self, expr: cst.BaseExpression) -> bool:
        found = self.ctx.scope.lookup(expr.value) if isinstance(expr, cst.Name) else None
        return found is not None and any(
            isinstance(binding, ValueBinding)
            and isinstance(binding.node, cst.Name)
            and binding.node.value == "None"
            for binding in found[1]
        )

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if not self.ctx.on_loop:
            return
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)) and is_queryset(self.ctx, target.comparator):
                self._evaluated(node, target.comparator, "`... in {qs}`", "`await {qs}.acontains(obj)`")

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if not self.ctx.on_loop or len(node.slice) != 1 or not is_queryset(self.ctx, node.value):
            return
        index = node.slice[0].slice
        if isinstance(index, cst.Slice) and index.step is None:
            return  # qs[a:b] stays lazy
        self._evaluated(
            node, node.value, "indexing `{qs}`", "`await {qs}.afirst()` or a slice with `async for`"
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.ctx.on_loop:
            return
        unpacks = any(isinstance(t.target, (cst.Tuple, cst.List)) for t in node.targets)
        if unpacks and is_queryset(self.ctx, node.value):
            self._evaluated(node, node.value, "unpacking `{qs}`", "`[x async for x in {qs}]` first")

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if self.ctx.on_loop and is_queryset(self.ctx, node.expression):
            self._evaluated(
                node, node.expression, "formatting `{qs}` in an f-string", "`[x async for x in {qs}]` first"
            )


def _parameters_of(
    function: cst.FunctionDef, call: cst.Call, *, bound: bool
) -> list[tuple[str, cst.BaseExpression]]:
    """(parameter name, argument) for the plain arguments of `call` to `function`."""
    positional = [*function.params.posonly_params, *function.params.params]
    if bound and positional and positional[0].name.value in ("self", "cls"):
        positional = positional[1:]
    names = {param.name.value for param in [*positional, *function.params.kwonly_params]}
    pairs: list[tuple[str, cst.BaseExpression]] = []
    for index, arg in enumerate(call.args):
        if arg.star:
            break
        if arg.keyword is not None:
            if arg.keyword.value in names:
                pairs.append((arg.keyword.value, arg.value))
        elif index < len(positional):
            pairs.append((positional[index].name.value, arg.value))
    return pairs
