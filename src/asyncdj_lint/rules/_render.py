"""Shared pieces of the template rendering rules (ADJ505, ADJ506).

Rendering is CPU work unless a lookup in the template reaches something that
queries. The template is read from the project (index.templates); each of its
lookups is followed from the context value it starts at: a QuerySet or
manager queries whatever the template does with it (ADJ505); an attribute of
a model instance queries when it is a relation the query did not load, and
`user` / `perms` from the auth context processor load the user (ADJ506).
Literals, concrete fields and values the analysis does not know stay silent,
and so does a template the project does not have.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from asyncdj_lint.analysis.calls import argument, bound_values, callee_name
from asyncdj_lint.analysis.context import FileContext
from asyncdj_lint.analysis.loading import async_iterated, related_value
from asyncdj_lint.analysis.project_calls import locate
from asyncdj_lint.analysis.requests import is_request_attribute, user_loaded_before
from asyncdj_lint.analysis.scopes import Scope
from asyncdj_lint.analysis.values import ORM_LAZY, Instance, QuerySet, RelatedManager, Value
from asyncdj_lint.diagnostics import Severity
from asyncdj_lint.fixes import AddImport, Fix, InsertBefore, NodeEdit, RemoveImport, Replace, Safety
from asyncdj_lint.index.templates import AUTH_CONTEXT_PROCESSOR, Lookup
from asyncdj_lint.rules._fixes import bridge_fix, importable
from asyncdj_lint.syntax.literals import string_value
from asyncdj_lint.syntax.walk import FunctionBodyVisitor, walk

# Functions that render a template where they are called: positions of the template name and context.
RENDERERS = {
    "django.shortcuts.render": (1, 2),
    "django.template.loader.render_to_string": (0, 1),
}
ITEM = "[]"


@dataclass(frozen=True)
class Query:
    """Something rendering the template runs that queries."""

    where: str  # "`order.customer` (shop/order.html:3)", or "context processor `shop.menu`"
    key: str  # the context name a lookup starts at ("" for a context processor's own body)
    what: str  # what it does that queries: "loads the relation `customer` of \"order\""
    queryset: bool  # a QuerySet or manager from the view's context (ADJ505), else ADJ506


def _at(lookup: Lookup) -> str:
    return f"`{lookup.text}` ({lookup.template}:{lookup.line})"


def render_call(ctx: FileContext, call: cst.Call) -> str | None:
    """The short name of the renderer `call` calls on the event loop (`render`), or None."""
    if not ctx.on_loop:
        return None
    name = callee_name(ctx, call)
    return name.rsplit(".", 1)[1] if name in RENDERERS else None


# `render()`'s keyword arguments under TemplateResponse's names; its sixth positional argument,
# `using`, is TemplateResponse's seventh (`charset` comes first), so it is passed by keyword.
_TEMPLATE_RESPONSE_KEYWORDS = {
    "request": "request",
    "template_name": "template",
    "context": "context",
    "content_type": "content_type",
    "status": "status",
    "using": "using",
}
_USING_AT = 5
TEMPLATE_RESPONSE = ("django.template.response", "TemplateResponse")


# The fix safety paragraph of both render rules (ADJ505, ADJ506).
RENDER_FIX_SAFETY = (
    "A returned `render(request, template, context)` becomes "
    "`TemplateResponse(request, template, context)` (imported from `django.template.response`; "
    "the import of `render` goes once unused): Django renders it in a thread after the view "
    "returns, and the template middleware hooks (`process_template_response`) now see it. The fix "
    "is unsafe: rendering moves out of the view, so code that reads the response's content before "
    "Django renders it (a decorator or a caller of the function) raises `ContentNotRenderedError`. "
    "Only a `render()` the function returns is rewritten; one whose arguments do not map onto "
    "TemplateResponse's (`*args`, `**kwargs`) has no fix, and a positional `using` is passed by "
    "keyword. `render_to_string(...)` becomes `await sync_to_async(render_to_string)(...)`, also "
    "unsafe: it renders in a thread."
)


def render_fix(ctx: FileContext, call: cst.Call) -> Fix | None:
    """The fix of a render call that renders on the event loop (unsafe: rendering moves to a thread).

    `return render(request, name, context, ...)` becomes `return TemplateResponse(request, name,
    context, ...)`, which Django renders in a thread after the view returns; `render_to_string(...)`
    becomes `await sync_to_async(render_to_string)(...)`. Only a `render()` whose value the function
    returns is rewritten: the caller of a response held in a name may read its content before
    Django renders it. None where the arguments do not map onto TemplateResponse's.
    """
    name = callee_name(ctx, call)
    if name == "django.template.loader.render_to_string":
        return bridge_fix(ctx, call)
    parent = ctx.parent()
    if name != "django.shortcuts.render" or not isinstance(parent, cst.Return) or parent.value is not call:
        return None
    if not importable(ctx, *TEMPLATE_RESPONSE):
        return None
    edits: list[NodeEdit] = []
    positional = 0
    for arg in call.args:
        if arg.star:
            return None  # `*args` / `**kwargs`: which parameter gets what is unknown
        if arg.keyword is None:
            if positional == _USING_AT:
                edits.append(InsertBefore(arg, "using="))
            elif positional > _USING_AT:
                return None  # more arguments than render() takes: the call fails anyway
            positional += 1
            continue
        renamed = _TEMPLATE_RESPONSE_KEYWORDS.get(arg.keyword.value)
        if renamed is None:
            return None
        if renamed != arg.keyword.value:
            edits.append(Replace(arg.keyword, renamed))
    if isinstance(call.func, cst.Name) and call.func.value == "render":
        edits.append(RemoveImport("django.shortcuts", "render"))
    elif not isinstance(call.func, cst.Attribute):
        return None  # imported under another name: the naming is the author's
    edits += [Replace(call.func, "TemplateResponse"), AddImport(*TEMPLATE_RESPONSE)]
    return Fix("Return a `TemplateResponse`", Safety.UNSAFE, tuple(edits))


def rendered_queries(ctx: FileContext, call: cst.Call) -> tuple[str, list[Query]] | None:
    """The template `call` renders and the lookups in it that query; None when either is unknown."""
    name = callee_name(ctx, call)
    if name not in RENDERERS:
        return None
    name_at, context_at = RENDERERS[name]
    found = _template(ctx, argument(call, name_at, "template_name"))
    if found is None:
        return None
    template, lookups = found
    context = _context(ctx, argument(call, context_at, "context"), call)
    if context is None:
        return None
    with_request = name == "django.shortcuts.render" or argument(call, 3, "request") is not None
    processors = ctx.index.templates.settings.context_processors
    auth = with_request and processors is not None and AUTH_CONTEXT_PROCESSOR in processors
    # adrf and DRF set the request's user to the one they authenticated in a thread.
    auth = auth and user_loaded_before(ctx, ctx.scope.function) is None
    if with_request:
        context = {**processor_context(ctx), **context}  # the view's context wins over processors
    queries = _processor_queries(ctx) if with_request else []
    seen: set[tuple[str, ...]] = set()
    for lookup in lookups:
        query = _query(ctx, lookup, context, auth)
        if query is not None and lookup.path not in seen:
            seen.add(lookup.path)
            queries.append(query)
    return template, queries


# Calls that render a template with a context, by where the template name and the context are;
# a returned TemplateResponse is rendered by Django, in a thread.
_TEMPLATE_CALLS = {
    **RENDERERS,
    "django.template.response.TemplateResponse": (1, 2),
    "django.template.response.SimpleTemplateResponse": (0, 1),
}


def context_lookups(ctx: FileContext, call: cst.Call, context: cst.BaseExpression) -> list[Lookup] | None:
    """Every lookup of the template `call` renders, when `context` is the context argument of a
    render call or a TemplateResponse whose template the project has and reads whole (no tag
    library that may read the context, no template it cannot find); else None."""
    at = _TEMPLATE_CALLS.get(callee_name(ctx, call) or "")
    if at is None or argument(call, at[1], "context") is not context:
        return None
    keyword = "template" if "TemplateResponse" in (callee_name(ctx, call) or "") else "template_name"
    found = _template(ctx, argument(call, at[0], keyword))
    if found is None or ctx.index.templates.opaque(found[0]):
        return None
    return list(found[1])


def _template(ctx: FileContext, expr: cst.BaseExpression | None) -> tuple[str, tuple[Lookup, ...]] | None:
    """The first template of a literal name (or list of names) that the project has, with its lookups."""
    if expr is None:
        return None
    names: list[cst.BaseExpression] = [expr] if isinstance(expr, cst.SimpleString) else []
    if isinstance(expr, (cst.List, cst.Tuple)):
        names = [element.value for element in expr.elements]
    for node in names:
        name = string_value(node) if isinstance(node, cst.SimpleString) else None
        if not isinstance(name, str):
            return None
        lookups = ctx.index.templates.lookups(name)
        if lookups is not None:
            return name, lookups
    return None


def _context(ctx: FileContext, expr: cst.BaseExpression | None, call: cst.Call) -> dict[str, _Entry] | None:
    """Context name -> what its value is; None when the context is not a literal dict.

    A QuerySet that an `async for` ahead of the render call filled (the name iterated,
    not bound again since) renders from its result cache: it stands for its rows.
    """
    if expr is None:
        return {}
    values = bound_values(ctx, expr)
    if len(values) != 1:
        return None
    value, scope = values[0]
    items = _dict_items(value)
    if items is None:
        return None
    function = ctx.scope.function
    filled = (
        async_iterated(function.node.body, before=call)
        if function is not None and isinstance(function.node, cst.FunctionDef)
        else set()
    )
    context = {}
    for key, item in items:
        found = _value(ctx, item, scope)
        if isinstance(item, cst.Name) and item.value in filled and isinstance(found, QuerySet):
            found = _rows(found)
        context[key] = _Entry(found, is_literal(item))
    return context


def _rows(queryset: QuerySet) -> object:
    """The rows a QuerySet's filled result cache holds, as a list of them (when they are instances)."""
    return [Instance(queryset.model, queryset.loading)] if queryset.row == "instance" else []


@dataclass(frozen=True)
class _Entry:
    """A context value: what it is, whether it is an inert literal, and the context processor
    that adds it ("" for the view's own context)."""

    value: object
    literal: bool
    processor: str = ""


def processor_context(ctx: FileContext) -> dict[str, _Entry]:
    """What the project's own context processors (named in the settings) add: the literal dicts
    their functions return, with each value inferred where it is written."""
    memo = ctx.project.memo
    if memo.processor_context is None:
        memo.processor_context = _processor_context(ctx)
    return {key: _Entry(*entry) for key, entry in memo.processor_context.items()}


def _processor_context(ctx: FileContext) -> dict[str, tuple[Value | None, bool, str]]:
    from asyncdj_lint.analysis.inference import Inference

    entries: dict[str, tuple[Value | None, bool, str]] = {}
    for name in ctx.index.templates.settings.context_processors or ():
        ref = ctx.index.functions.function(name)
        located = locate(ctx.project, ref) if ref is not None and not ref.decl.is_async else None
        if located is None:
            continue
        parsed, scope, function = located
        inference = Inference(ctx.project, parsed.file.name, parsed.file.is_package)
        finder = _ReturnedDicts()
        walk(function.body, finder)
        for returned in finder.dicts:
            for item_key, item in _dict_items(returned) or ():
                value = inference.infer(item, scope)
                entries[item_key] = (value, is_literal(item), name)  # a later processor wins
    return entries


def _processor_queries(ctx: FileContext) -> list[Query]:
    """The project's context processors whose bodies query: they run on every render with a request."""
    queries = []
    for name in ctx.index.templates.settings.context_processors or ():
        ref = ctx.index.functions.function(name)
        if ref is None or ref.decl.is_async or ctx.helpers is None:
            continue
        chain = ctx.helpers.chain_from(ref, None, f"{name.rsplit('.', 1)[-1]}()")
        if chain is not None and chain.fact.severity is Severity.ERROR:
            what = f"runs `{chain.fact.text}` ({chain.fact.where})"
            queries.append(Query(f"context processor `{name}`", "", what, False))
    return queries


class _ReturnedDicts(FunctionBodyVisitor):
    def __init__(self) -> None:
        self.dicts: list[cst.BaseExpression] = []

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.dicts.append(node.value)


class _LazyUser:
    """`request.user` as `AuthenticationMiddleware` leaves it: its first lookup loads the user."""


LAZY_USER = _LazyUser()


def _value(ctx: FileContext, expr: cst.BaseExpression, scope: Scope) -> object:
    """What a context value is; a list built by `[x async for x in qs]` is a list of qs's rows."""
    if is_request_attribute(ctx, expr, "user"):
        return None if user_loaded_before(ctx, scope.function) else LAZY_USER
    bound = bound_values(ctx, expr, scope)
    if len(bound) == 1 and isinstance(bound[0][0], cst.ListComp):
        comp, where = bound[0]
        assert isinstance(comp, cst.ListComp)
        loop = comp.for_in
        target = loop.target
        if (
            loop.inner_for_in is None
            and isinstance(target, cst.Name)
            and isinstance(comp.elt, cst.Name)
            and comp.elt.value == target.value
        ):
            rows = ctx.inference.infer(loop.iter, where)
            if isinstance(rows, QuerySet):
                return _rows(rows)
        return None
    return ctx.inference.infer(expr, scope)


def listed_rows(ctx: FileContext, expr: cst.BaseExpression, scope: Scope) -> list[object] | None:
    """What a list `expr` holds, when known: the rows of `[x async for x in qs]` (a model instance
    standing for them all; [] for rows that are not instances), or [""] for a literal list or tuple
    of literals; None otherwise."""
    if isinstance(expr, (cst.List, cst.Tuple)) and is_literal(expr):
        return [""]
    value = _value(ctx, expr, scope)
    return value if isinstance(value, list) else None


def _query(ctx: FileContext, lookup: Lookup, context: dict[str, _Entry], auth: bool) -> Query | None:
    key, *rest = lookup.path
    if key not in context:
        if auth and key in ("user", "perms"):
            what = "loads the user" if key == "user" else "checks the user's permissions"
            return Query(_at(lookup), key, f"{what} (auth context processor)", False)
        return None
    entry = context[key]
    value = entry.value
    if entry.literal:
        return None
    if value is LAZY_USER:
        return Query(_at(lookup), key, f'loads the user "{key}" (`request.user`)', False)
    path = list(rest)
    while True:
        if (isinstance(value, RelatedManager) and value.prefetched) or (
            isinstance(value, QuerySet) and value.cached
        ):
            return None  # prefetch_related filled it
        if isinstance(value, ORM_LAZY):
            if entry.processor:
                what = f'evaluates the QuerySet "{key}" of context processor `{entry.processor}`'
                return Query(_at(lookup), key, what, False)
            return Query(_at(lookup), key, f'evaluates the QuerySet "{key}"', True)  # any use of it queries
        if isinstance(value, list) and value and path[:1] == [ITEM]:
            value, path = value[0], path[1:]
            continue
        if isinstance(value, Instance) and path and path[0] != ITEM:
            attr = path.pop(0)
            related = related_value(ctx.index, value, attr)
            if related is None:
                return _method_query(ctx, lookup, key, value, attr)  # a field, a method, unknown
            if (
                isinstance(related, Instance)
                and value.loading is not None
                and attr not in value.loading.relations
            ):
                return Query(_at(lookup), key, f'loads the relation `{attr}` of "{key}"', False)
            if isinstance(related, RelatedManager):
                if related.prefetched is False and path:
                    return Query(_at(lookup), key, f'queries the related manager `{attr}` of "{key}"', False)
                return None
            if isinstance(related, Instance) and related.loading is None:
                return None
            value = related
            continue
        return None


# Decorators under which a template's attribute lookup runs the method's body.
_ATTRIBUTE_DECORATORS = frozenset(
    {"property", "functools.cached_property", "django.utils.functional.cached_property"}
)


def _method_query(ctx: FileContext, lookup: Lookup, key: str, instance: Instance, attr: str) -> Query | None:
    """`{{ order.total }}` where `total` is a project model method or property whose body queries.

    The template calls a method without arguments; its body is judged as the
    ADJ3xx rules judge a sync helper, and only a query (an error) counts.
    """
    ref = ctx.index.functions.method(instance.model.qualname, attr)
    if ref is None or ref.decl.is_async:
        return None
    for decorator in ref.decl.decorators:
        name = decorator.removesuffix("()")
        if (ctx.index.resolve(ref.module, name) or name) not in _ATTRIBUTE_DECORATORS:
            return None
    chain = ctx.helpers.chain_from(ref, instance, f"{attr}()") if ctx.helpers is not None else None
    if chain is None or chain.fact.severity is not Severity.ERROR:
        return None
    what = f'calls `{attr}` of "{key}", which runs `{chain.fact.text}` ({chain.fact.where})'
    return Query(_at(lookup), key, what, False)


def _dict_items(expr: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]] | None:
    """`{"a": x}` and `dict(a=x)` -> [("a", x)]; None for anything else."""
    if isinstance(expr, cst.Dict):
        items = []
        for element in expr.elements:
            if not isinstance(element, cst.DictElement):
                return None
            key = string_value(element.key) if isinstance(element.key, cst.SimpleString) else None
            if not isinstance(key, str):
                return None
            items.append((key, element.value))
        return items
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "dict":
        if any(arg.keyword is None for arg in expr.args):
            return None
        return [(arg.keyword.value, arg.value) for arg in expr.args if arg.keyword is not None]
    return None


def is_literal(expr: cst.BaseExpression) -> bool:
    """Strings, numbers, True/False/None, and lists, tuples, sets and dicts of them."""
    if isinstance(
        expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Integer, cst.Float)
    ):
        return True
    if isinstance(expr, cst.Name):
        return expr.value in ("True", "False", "None")
    if isinstance(expr, cst.UnaryOperation):
        return is_literal(expr.expression)
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return all(not isinstance(e, cst.StarredElement) and is_literal(e.value) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and is_literal(e.key) and is_literal(e.value)
            for e in expr.elements
        )
    return False
