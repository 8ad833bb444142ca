"""ADJ505: a template rendered on the event loop with a QuerySet in its context."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.rules._render import lazy_context_keys, render_call
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class RenderLazyContext(Rule):
    code = "ADJ505"
    name = "render-lazy-context"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "`render()` or `render_to_string()` gets a QuerySet in its context in async code."
    why = (
        "`render()` and `render_to_string()` render the template where they are called. "
        "In async code that is the event loop, so the QuerySet the template iterates runs "
        "its query there and raises `SynchronousOnlyOperation`. Return a `TemplateResponse` "
        "instead: Django renders it after the view returns, in a thread. Or evaluate the "
        "data first (`[p async for p in qs]`)."
    )
    django_versions = "4.1 to 6.1"
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
                    '`render()` renders on the event loop, where the QuerySet in the context ("products") runs its query and raises SynchronousOnlyOperation; return `TemplateResponse(request, template, context)`, which Django renders in a thread',
                ),
            ),
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
    )

    def visit_Call(self, node: cst.Call) -> None:
        function = render_call(self.ctx, node)
        if function is None:
            return
        keys = lazy_context_keys(self.ctx, node)
        if not keys:
            return
        advice = (
            "return `TemplateResponse(request, template, context)`, which Django renders in a thread"
            if function == "render"
            else "evaluate the QuerySet first (`[x async for x in qs]`) or render in `sync_to_async`"
        )
        shown = ", ".join(f'"{key}"' for key in keys)
        self.report(
            node,
            f"`{function}()` renders on the event loop, where the QuerySet in the context ({shown}) runs "
            f"its query and raises SynchronousOnlyOperation; {advice}",
        )
