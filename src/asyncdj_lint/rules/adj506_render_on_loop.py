"""ADJ506: a template rendered on the event loop."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.rules._render import lazy_context_keys, render_call
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity


class RenderOnLoop(Rule):
    code = "ADJ506"
    name = "render-on-loop"
    stable_since = "0.1.0"
    severity = Severity.WARNING
    summary = "`render()` or `render_to_string()` is called in async code."
    why = (
        "Rendering runs where `render()` is called: in async code, on the event loop. "
        "Loading the template reads files, and any template code that touches "
        "`user` (from the auth context processor), a relation or a QuerySet raises "
        "`SynchronousOnlyOperation` there. A returned `TemplateResponse` is rendered by "
        "Django in a thread after the view returns. (A QuerySet passed in the context is "
        "ADJ505.)"
    )
    django_versions = "4.1 to 6.1"
    invalid = (
        Example(
            """\
from django.shortcuts import render


async def about(request):
    return render(request, "shop/product_list.html", {"products": []})
""",
            Outcome(runs_on_loop="django.shortcuts.render"),
            expected=(
                Expected(
                    "5:12-5:71",
                    "`render()` renders the template on the event loop: template code that touches `user`, a relation or a QuerySet raises SynchronousOnlyOperation there; return `TemplateResponse(request, template, context)`, which Django renders in a thread",
                ),
            ),
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
    )

    def visit_Call(self, node: cst.Call) -> None:
        function = render_call(self.ctx, node)
        if function is None or lazy_context_keys(self.ctx, node):
            return
        advice = (
            "return `TemplateResponse(request, template, context)`, which Django renders in a thread"
            if function == "render"
            else "use `await sync_to_async(render_to_string)(...)`"
        )
        self.report(
            node,
            f"`{function}()` renders the template on the event loop: template code that touches `user`, "
            f"a relation or a QuerySet raises SynchronousOnlyOperation there; {advice}",
        )
