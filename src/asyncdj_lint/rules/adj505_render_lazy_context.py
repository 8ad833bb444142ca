"""ADJ505: a template rendered on the event loop with a QuerySet in its context."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._render import RENDER_FIX_SAFETY, render_call, render_fix, rendered_queries
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class RenderLazyContext(Rule):
    code = "ADJ505"
    name = "render-lazy-context"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "`render()` or `render_to_string()` gets a QuerySet in its context in async code."
    why = (
        "`render()` and `render_to_string()` render the template where they are called. "
        "In async code that is the event loop, so the QuerySet the template iterates runs "
        "its query there and raises `SynchronousOnlyOperation`. Return a `TemplateResponse` "
        "instead: Django renders it after the view returns, in a thread. Or evaluate the "
        "data first (`[p async for p in qs]`). The rule reads the template the way Django's "
        "loaders find it (the settings' `TEMPLATES` `DIRS` and the `templates/` folders of the "
        "project's apps), through `{% include %}` and `{% extends %}`, and reports a QuerySet "
        "only when the template uses it, and not when an `async for` ahead of the call filled its "
        "result cache. When the template name is not a literal, the "
        "context not a literal dict, or the project has no such template, it stays silent."
    )
    django_versions = "4.1 to 6.1"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = RENDER_FIX_SAFETY
    invalid = (
        Example(
            """\
from django.shortcuts import render
from shop.models import Product


async def product_list(request):
    return render(request, "shop/product_list.html", {"products": Product.objects.all()})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "6:12-6:90",
                    '`render()` renders shop/product_list.html on the event loop, where the template evaluates the QuerySet in the context ("products", used at `products` (shop/product_list.html:1)) and raises SynchronousOnlyOperation; return `TemplateResponse(request, template, context)`, which Django renders in a thread',
                ),
            ),
            fixed="""\
from shop.models import Product
from django.template.response import TemplateResponse


async def product_list(request):
    return TemplateResponse(request, "shop/product_list.html", {"products": Product.objects.all()})
""",
        ),
    )
    valid = (
        Example(
            """\
from django.template.response import TemplateResponse
from shop.models import Product


async def product_list(request):
    return TemplateResponse(request, "shop/product_list.html", {"products": Product.objects.all()})
"""
        ),
        Example(
            """\
from django.shortcuts import render
from shop.models import Product


async def product_list(request):
    products = [product async for product in Product.objects.all()]
    return render(request, "shop/product_list.html", {"products": products, "count": len(products)})
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        function = render_call(self.ctx, node)
        found = rendered_queries(self.ctx, node) if function is not None else None
        if found is None:
            return
        template, queries = found
        used: dict[str, str] = {}
        for query in queries:
            if query.queryset:
                used.setdefault(query.key, query.where)
        if not used:
            return
        advice = (
            "return `TemplateResponse(request, template, context)`, which Django renders in a thread"
            if function == "render"
            else "evaluate the QuerySet first (`[x async for x in qs]`) or render in `sync_to_async`"
        )
        shown = ", ".join(f'"{key}", used at {where}' for key, where in used.items())
        self.report(
            node,
            f"`{function}()` renders {template} on the event loop, where the template evaluates the "
            f"QuerySet in the context ({shown}) and raises SynchronousOnlyOperation; {advice}",
            fix=render_fix(self.ctx, node),
        )
