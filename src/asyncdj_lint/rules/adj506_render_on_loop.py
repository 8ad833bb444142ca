"""ADJ506: a template rendered on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._render import RENDER_FIX_SAFETY, render_call, render_fix, rendered_queries
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class RenderOnLoop(Rule):
    code = "ADJ506"
    name = "render-on-loop"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "`render()` or `render_to_string()` in async code renders a template whose lookups query."
    why = (
        "Rendering runs where `render()` is called: in async code, on the event loop. "
        "A context of literals, or of instances whose template lookups are concrete fields, "
        "is CPU work there. But a lookup that reaches a relation the query did not load "
        "(`{{ order.customer.name }}`), a related manager, a model method or property whose "
        "body queries (judged by the selected ORM rules, as ADJ301 judges helpers), "
        "`request.user` passed in the context, a QuerySet from one of the "
        "project's context processors, or `user` / `perms` from the auth context processor "
        "runs a query, as does a project context processor whose own body queries (it runs "
        "on every render with a request), and Django raises `SynchronousOnlyOperation`. A returned "
        "`TemplateResponse` is rendered by Django in a thread after the view returns. The rule "
        "reads the template (the settings' `TEMPLATES` `DIRS` and the `templates/` folders of "
        "the project's apps; `{{ a.b }}`, `{% for %}`, `{% with %}`, `{% include %}`, "
        "`{% extends %}`, whose parent's blocks it reads as well) and the settings' "
        "`context_processors`. It stays silent when it cannot know: a template name that is "
        "not a literal or that the project does not have, a context that is not a literal "
        "dict, values of unknown type, and `user` when the settings' context processors are "
        "unknown. (A QuerySet passed in the view's context is ADJ505.)"
    )
    django_versions = "4.1 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = RENDER_FIX_SAFETY
    invalid = (
        Example(
            """\
from django.shortcuts import render
from shop.models import Order


async def order_detail(request, pk):
    order = await Order.objects.aget(pk=pk)
    return render(request, "shop/order_detail.html", {"order": order})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:12-7:71",
                    '`render()` renders shop/order_detail.html on the event loop, where `order.customer.name` (shop/order_detail.html:1) loads the relation `customer` of "order": a query, which raises SynchronousOnlyOperation; return `TemplateResponse(request, template, context)`, which Django renders in a thread',
                ),
            ),
            fixed="""\
from shop.models import Order
from django.template.response import TemplateResponse


async def order_detail(request, pk):
    order = await Order.objects.aget(pk=pk)
    return TemplateResponse(request, "shop/order_detail.html", {"order": order})
""",
        ),
    )
    valid = (
        Example(
            """\
from django.template.response import TemplateResponse


async def about(request):
    return TemplateResponse(request, "shop/product_list.html", {"products": []})
"""
        ),
        Example(
            """\
from django.shortcuts import render
from shop.models import Order


async def order_detail(request, pk):
    order = await Order.objects.select_related("customer").aget(pk=pk)
    return render(request, "shop/order_detail.html", {"order": order, "title": "Order"})
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        function = render_call(self.ctx, node)
        found = rendered_queries(self.ctx, node) if function is not None else None
        if found is None:
            return
        template, queries = found
        if any(query.queryset for query in queries):
            return  # ADJ505 reports it
        if not queries:
            return  # literals and loaded fields: rendering is CPU work
        advice = (
            "return `TemplateResponse(request, template, context)`, which Django renders in a thread"
            if function == "render"
            else "use `await sync_to_async(render_to_string)(...)`"
        )
        first = queries[0]
        self.report(
            node,
            f"`{function}()` renders {template} on the event loop, where {first.where} {first.what}: "
            f"a query, which raises SynchronousOnlyOperation; {advice}",
            fix=render_fix(self.ctx, node),
        )
