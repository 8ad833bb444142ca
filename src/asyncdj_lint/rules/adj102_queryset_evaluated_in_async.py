"""ADJ102: a QuerySet evaluated (iterated, counted, tested, indexed) on the event loop."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import chain, count

import libcst as cst

from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.loading import async_iterated, returns_async_iterated
from asyncdj_lint.analysis.project_calls import locate, project_function
from asyncdj_lint.analysis.scopes import Scope, ValueBinding
from asyncdj_lint.analysis.values import Builtin, QuerySet
from asyncdj_lint.facts import django_async_api as api
from asyncdj_lint.fixes import Fix, FixAvailability, InsertAfter, InsertBefore, Replace, Safety
from asyncdj_lint.rules._fixes import can_await, needs_parentheses
from asyncdj_lint.rules._orm import is_queryset
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity
from asyncdj_lint.syntax.arguments import bound_parameters

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

# Builtins that iterate their argument to its end at once (or, lazy ones, call `iter()` on it,
# which fetches every row): the same call over a list of the rows does the same.
_CONSUMING_BUILTINS = frozenset(
    {
        "tuple", "frozenset", "sorted", "dict", "any", "all", "min", "max", "sum", "enumerate",
        "zip", "map", "filter", "iter", "reversed",
    }
)  # fmt: skip
# The QuerySet methods a fix relies on: a QuerySet class that overrides one is left alone.
_ITERATION = frozenset({"__iter__", "__aiter__", "_fetch_all"})
_COUNTING = frozenset({"__len__", "count", "acount"})
_TESTING = frozenset({"__bool__", "exists", "aexists"})
# Async QuerySet iteration and methods (`async for`, `aexists()`, `acount()`).
_ASYNC_QUERYSETS_SINCE = (4, 1)


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
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Fixes that fetch the same rows with the same query, in a thread, are safe: a `for` statement "
        "becomes `async for`; a list, set or dict comprehension written in the `async def` itself "
        "gets `async for`; `list(qs)` becomes `[x async for x in qs]`, `set(qs)` `{x async for x in "
        "qs}`, and a builtin that consumes the whole QuerySet (`tuple()`, `sorted()`, `any()`, "
        "`sum()`, `enumerate()`, `zip()`, ...) gets the list of its rows instead (`sorted([x async "
        "for x in qs], key=...)`); unpacking gets that list; `obj in qs` becomes `obj in [x async for x "
        "in qs]` (the same `==` comparisons as before); `qs[2]` becomes `[x async for x in "
        "qs[2:3]][0]`, the query Django runs for an index. "
        "A truth test (`if qs:`, `not qs`, `bool(qs)`) becomes `await qs.aexists()` and `len(qs)` "
        "`await qs.acount()`: these fixes are unsafe. The values are the same, but the query is not: "
        "`bool()` and `len()` fetch every row into the QuerySet's result cache, which later uses of "
        "the same QuerySet read without a query, while `aexists()` (`LIMIT 1`) and `acount()` "
        "(`COUNT(*)`) fill no cache, so each later use runs a query of its own, and may see rows "
        "that changed in between. A name that is `None` on another path keeps its None check "
        "(`qs is not None and await qs.aexists()`). "
        "There is no fix in a generator expression (`async for` would make it an async generator), "
        "in a comprehension nested in a lambda or another comprehension, in a nested sync function, "
        "for a QuerySet class of the project that overrides the method the fix relies on "
        "(`__iter__`, `__bool__`, `exists`, `__len__`, `count`, ...), for `print()`, `str()`, "
        "`repr()` or an f-string (a list does not print as a QuerySet does), for an index that is "
        "not a non-negative integer literal, nor for a target Django before 4.1."
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
            fixed="""\
from django.http import JsonResponse
from shop.models import Product


async def product_names(request):
    products = Product.objects.filter(available=True)
    names = [product.name async for product in products]
    return JsonResponse({"names": names})
""",
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
            fixed="""\
from django.http import JsonResponse
from shop.models import Product


async def has_products(request):
    if await Product.objects.filter(available=True).aexists():
        return JsonResponse({"any": True})
    return JsonResponse({"any": False})
""",
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import OrderLine


async def order_lines(request, pk):
    lines = OrderLine.objects.filter(product_id=pk)
    count = len(lines) if lines else 0
    quantities = list(lines.values_list("quantity", flat=True))
    return JsonResponse({"count": count, "quantities": sorted(quantities)})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:13-7:23",
                    "`len(lines)` evaluates the QuerySet on the event loop and raises SynchronousOnlyOperation; use `await lines.acount()`",
                ),
                Expected(
                    "7:27-7:32",
                    "testing `lines` for truth evaluates the QuerySet on the event loop and raises SynchronousOnlyOperation; use `await lines.aexists()`",
                ),
                Expected(
                    "8:18-8:64",
                    '`list(lines.values_list("quantity", flat=True))` evaluates the QuerySet on the event loop and raises SynchronousOnlyOperation; use `[x async for x in lines.values_list("quantity", flat=True)]`',
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import OrderLine


async def order_lines(request, pk):
    lines = OrderLine.objects.filter(product_id=pk)
    count = await lines.acount() if await lines.aexists() else 0
    quantities = [x async for x in lines.values_list("quantity", flat=True)]
    return JsonResponse({"count": count, "quantities": sorted(quantities)})
""",
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
            fixed="""\
from django.http import JsonResponse
from shop.models import Product


async def newer_products(request, pk):
    products = None
    if pk:
        products = Product.objects.filter(pk__gt=pk)
    if products is not None and await products.aexists():
        return JsonResponse({"found": True})
    return JsonResponse({"found": False})
""",
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
            fixed="""\
from django.http import JsonResponse
from shop.models import Product


def catalogue(pk):
    return Product.objects.filter(pk__gte=pk), pk


async def products_from(request, pk):
    products, first = catalogue(pk)
    return JsonResponse({"names": [product.name async for product in products], "from": first})
""",
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
            fixed="""\
from django.contrib.auth.models import User
from django.http import JsonResponse


async def my_groups(request):
    user = await User.objects.aget(username="ada")
    names = []
    async for group in user.groups.all():
        names.append(group.name)
    return JsonResponse({"groups": names})
""",
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
            fixed="""\
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from shop.models import Product


def available_products():
    return Product.objects.filter(available=True)


async def product_names(request):
    products = await sync_to_async(available_products)()
    return JsonResponse({"names": [product.name async for product in products]})
""",
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

    def _evaluated(
        self,
        node: cst.CSTNode,
        qs_expr: cst.BaseExpression,
        how: str,
        advice: str,
        fix: Callable[[], Fix | None] | None = None,
    ) -> None:
        if (key := self._binding_key(qs_expr)) is not None and key in self._filled:
            return
        qs = self.ctx.snippet(qs_expr)
        self.report(
            node,
            f"{how.format(qs=qs)} evaluates the QuerySet on the event loop and raises "
            f"SynchronousOnlyOperation; use {advice.format(qs=qs)}",
            fix=fix() if fix is not None else None,
        )

    # Fixes. Each is built only for a finding, and only where the QuerySet is one the rule
    # proved, of a class that keeps the methods the fix relies on.

    def _fixable(self, qs_expr: cst.BaseExpression, relies_on: frozenset[str]) -> bool:
        value = self.ctx.infer(qs_expr)
        return (
            isinstance(value, QuerySet)
            and not value.cached
            and api.has(self.ctx.options, _ASYNC_QUERYSETS_SINCE)
            and all(value.methods.method(name) is None for name in relies_on)
        )

    def _rows(self, qs_expr: cst.BaseExpression) -> str:
        """`[x async for x in qs]`: the rows, fetched as `for` would fetch them."""
        row = self._row_name()
        return f"[{row} async for {row} in {self._code(qs_expr)}]"

    def _row_name(self) -> str:
        """A name for the rows of `[x async for x in qs]` that the statement does not use: the
        comprehension's own `x` would be right, but read as another."""
        statement = next(
            (
                node
                for node in reversed(self.ctx.ancestors)
                if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement))
            ),
            self.ctx.module,
        )
        used = _Names()
        statement.visit(used)
        candidates = chain(("x", "row", "item"), (f"row{n}" for n in count(2)))
        return next(name for name in candidates if name not in used.found)

    def _code(self, expr: cst.BaseExpression) -> str:
        return self.ctx.module.code_for_node(expr)

    def _receiver(self, expr: cst.BaseExpression) -> str:
        """The QuerySet's source as the receiver of a method call, parenthesized where needed."""
        code = self._code(expr)
        atom = isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or bool(expr.lpar)
        return code if atom else f"({code})"

    def _async_for_fix(self, node: cst.For | cst.CompFor) -> Fix | None:
        """`for x in qs` -> `async for x in qs`: the same `_fetch_all()`, run in a thread."""
        if not self._fixable(node.iter, _ITERATION):
            return None
        if isinstance(node, cst.For) and not can_await(self.ctx):
            return None
        if isinstance(node, cst.CompFor) and not self._comprehension_may_be_async():
            return None
        # LibCST counts the whitespace before a clause's `for` as the clause's own.
        edit = (
            InsertBefore(node, "async ")
            if isinstance(node, cst.For)
            else InsertAfter(node.whitespace_before, "async ")
        )
        return Fix("Iterate with `async for`", Safety.SAFE, (edit,))

    def _comprehension_may_be_async(self) -> bool:
        """Whether the visited `for` clause belongs to a list, set or dict comprehension written
        in an `async def` body itself (not a generator expression, not nested in a lambda or
        another comprehension)."""
        comprehension = next(
            (node for node in reversed(self.ctx.ancestors[:-1]) if not isinstance(node, cst.CompFor)), None
        )
        if not isinstance(comprehension, (cst.ListComp, cst.SetComp, cst.DictComp)):
            return False
        scope: Scope | None = self.ctx.scope
        if scope is not None and scope.node is comprehension:
            scope = scope.parent
        return scope is not None and isinstance(scope.node, cst.FunctionDef) and scope.is_async_function

    def _method_fix(
        self, call: cst.Call, qs_expr: cst.BaseExpression, method: str, relies_on: frozenset[str]
    ) -> Fix | None:
        """`len(qs)` -> `await qs.acount()`, `bool(qs)` -> `await qs.aexists()` for the visited
        call (unsafe: no result cache)."""
        if not (can_await(self.ctx) and self._fixable(qs_expr, relies_on)):
            return None
        text = f"await {self._receiver(qs_expr)}.{method}()"
        if needs_parentheses(call, self.ctx.parent()):
            text = f"({text})"
        return Fix(f"Await `{method}()`", Safety.UNSAFE, (Replace(call, text),))

    def _truth_fix(self, test: cst.BaseExpression, parent: cst.CSTNode) -> Fix | None:
        """`if qs:` -> `if await qs.aexists():`, keeping the None check of a name that may be None."""
        if not (can_await(self.ctx) and self._fixable(test, _TESTING)):
            return None
        text = f"await {self._receiver(test)}.aexists()"
        if self._may_be_none(test):
            if not self._none_or_queryset(test):
                return None
            text = f"{self._code(test)} is not None and {text}"
            if isinstance(parent, cst.UnaryOperation):
                text = f"({text})"
        return Fix("Await `aexists()`", Safety.UNSAFE, (Replace(test, text),))

    def _none_or_queryset(self, name: cst.BaseExpression) -> bool:
        """Every binding of the name is `None` or a QuerySet."""
        found = self.ctx.scope.lookup(name.value) if isinstance(name, cst.Name) else None
        return found is not None and all(
            isinstance(binding, ValueBinding)
            and (
                (isinstance(binding.node, cst.Name) and binding.node.value == "None")
                or is_queryset(self.ctx, binding.node)
            )
            for binding in found[1]
        )

    def _rows_fix(
        self, qs_expr: cst.BaseExpression, title: str = "Fetch the rows with `async for`"
    ) -> Fix | None:
        """`qs` -> `[x async for x in qs]` where the code consumes every row of it anyway."""
        if not (can_await(self.ctx) and self._fixable(qs_expr, _ITERATION)):
            return None
        return Fix(title, Safety.SAFE, (Replace(qs_expr, self._rows(qs_expr)),))

    def _builtin_fix(self, call: cst.Call, name: str, qs_expr: cst.BaseExpression) -> Fix | None:
        if name == "len":
            return self._method_fix(call, qs_expr, "acount", _COUNTING)
        if name == "bool":
            return self._method_fix(call, qs_expr, "aexists", _TESTING)
        if name in ("list", "set"):
            if len(call.args) != 1 or call.args[0].star or call.args[0].keyword is not None:
                return None
            if not (can_await(self.ctx) and self._fixable(qs_expr, _ITERATION)):
                return None
            rows = self._rows(qs_expr)
            text = rows if name == "list" else f"{{{rows[1:-1]}}}"
            return Fix("Fetch the rows with `async for`", Safety.SAFE, (Replace(call, text),))
        if name in _CONSUMING_BUILTINS:
            return self._rows_fix(qs_expr)
        return None

    def _index_fix(self, node: cst.Subscript) -> Fix | None:
        """`qs[k]` -> `[x async for x in qs[k:k + 1]][0]`: the query Django runs for an index."""
        index = node.slice[0].slice
        if not (
            isinstance(index, cst.Index)
            and index.star is None
            and isinstance(index.value, cst.Integer)
            and not index.value.lpar
            and can_await(self.ctx)
            and self._fixable(node.value, _ITERATION | {"__getitem__"})
        ):
            return None
        k = int(index.value.evaluated_value)
        limits = f"{k}:{k + 1}" if k else ":1"
        row = self._row_name()
        text = f"[{row} async for {row} in {self._receiver(node.value)}[{limits}]][0]"
        return Fix("Fetch the row with `async for`", Safety.SAFE, (Replace(node, text),))

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
        if not isinstance(call, cst.Call) or not call.args:
            return
        ref = project_function(self.ctx.index, self.ctx.infer(call.func))
        # A module that never says `async for` is not parsed to learn that.
        if ref is None or not self.ctx.index.holds(ref.module, "async for"):
            return
        located = locate(self.ctx.project, ref)
        if located is None or not isinstance(located[1].node, cst.FunctionDef):
            return
        known = self.ctx.project.memo.async_iterated_parameters
        if ref.qualname not in known:
            known[ref.qualname] = frozenset(async_iterated(located[1].node.body, parameters=True))
        filled = known[ref.qualname]
        for param, arg in _parameters_of(located[1].node, call, bound=isinstance(call.func, cst.Attribute)):
            if param in filled:
                self._fill(arg)

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None:
            self._fill(node.iter)
        elif self.ctx.on_loop and is_queryset(self.ctx, node.iter):
            self._evaluated(
                node,
                node.iter,
                "`for ... in {qs}`",
                "`async for ... in {qs}`",
                lambda: self._async_for_fix(node),
            )

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is not None:
            self._fill(node.iter)
        elif self.ctx.on_loop and is_queryset(self.ctx, node.iter):
            self._evaluated(
                node,
                node.iter,
                "a comprehension over `{qs}`",
                "`async for` in the comprehension",
                lambda: self._async_for_fix(node),
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
                name, qs_expr = callee.name, arg.value
                self._evaluated(
                    node,
                    qs_expr,
                    how,
                    _EVALUATING_BUILTINS[name],
                    partial(self._builtin_fix, node, name, qs_expr),
                )
                return

    def visit_If(self, node: cst.If) -> None:
        self._truth_test(node.test, node)

    def visit_While(self, node: cst.While) -> None:
        self._truth_test(node.test, node)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._truth_test(node.test, node)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._truth_test(node.test, node)

    def _truth_test(self, test: cst.BaseExpression, parent: cst.CSTNode) -> None:
        """`if qs:`, `if not qs:`, `if qs and x:` take the QuerySet's truth value."""
        if not self.ctx.on_loop:
            return
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            self._truth_test(test.expression, test)
        elif isinstance(test, cst.BooleanOperation):
            self._truth_test(test.left, test)
            self._truth_test(test.right, test)
        elif is_queryset(self.ctx, test):
            # A name that is None on another path keeps its None check.
            check = "`{qs} is not None and await {qs}.aexists()`" if self._may_be_none(test) else None
            self._evaluated(
                test,
                test,
                "testing `{qs}` for truth",
                check or "`await {qs}.aexists()`",
                lambda: self._truth_fix(test, parent),
            )

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
                qs_expr = target.comparator
                self._evaluated(
                    node,
                    qs_expr,
                    "`... in {qs}`",
                    "`await {qs}.acontains(obj)`",
                    partial(self._rows_fix, qs_expr, "Test membership in the rows fetched with `async for`"),
                )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if not self.ctx.on_loop or len(node.slice) != 1 or not is_queryset(self.ctx, node.value):
            return
        index = node.slice[0].slice
        if isinstance(index, cst.Slice) and index.step is None:
            return  # qs[a:b] stays lazy
        self._evaluated(
            node,
            node.value,
            "indexing `{qs}`",
            "`await {qs}.afirst()` or a slice with `async for`",
            lambda: self._index_fix(node),
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.ctx.on_loop:
            return
        unpacks = any(isinstance(t.target, (cst.Tuple, cst.List)) for t in node.targets)
        if unpacks and is_queryset(self.ctx, node.value):
            self._evaluated(
                node,
                node.value,
                "unpacking `{qs}`",
                "`[x async for x in {qs}]` first",
                lambda: self._rows_fix(node.value),
            )

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if self.ctx.on_loop and is_queryset(self.ctx, node.expression):
            self._evaluated(
                node, node.expression, "formatting `{qs}` in an f-string", "`[x async for x in {qs}]` first"
            )


class _Names(cst.CSTVisitor):
    """Every name an expression or statement reads or binds."""

    def __init__(self) -> None:
        self.found: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.found.add(node.value)


def _parameters_of(
    function: cst.FunctionDef, call: cst.Call, *, bound: bool
) -> list[tuple[str, cst.BaseExpression]]:
    """(parameter name, argument) for the plain arguments of `call` to `function`."""
    positional = [*function.params.posonly_params, *function.params.params]
    skips_first = bound and bool(positional) and positional[0].name.value in ("self", "cls")
    pairs = bound_parameters(function, call, skips_first=skips_first)
    return [(param.name.value, arg.value) for param, arg in pairs]
