"""ADJ706: `ATOMIC_REQUESTS = True` in a project that routes to async views."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.rules._request_path import request_path
from asyncdj_lint.rules.base import Example, Expected, Outcome, Rule, Severity
from asyncdj_lint.syntax.literals import bool_value, string_value, subscript_path

_SETTINGS = """\
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "db.sqlite3",
        "ATOMIC_REQUESTS": True,
    }
}
"""
_URLS = (
    "urls.py",
    """\
from django.urls import path

import views

urlpatterns = [path("", views.product_count)]
""",
)
_VIEW = """\
from django.http import JsonResponse
from shop.models import Product


{decorator}async def product_count(request):
    return JsonResponse({{"count": await Product.objects.acount()}})
"""
MESSAGE = "You cannot use ATOMIC_REQUESTS with async views."


class AtomicRequestsWithAsyncViews(Rule):
    code = "ADJ706"
    name = "atomic-requests-with-async-views"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    summary = "`ATOMIC_REQUESTS = True` on a database while the URLconf routes to async views."
    why = (
        "With `ATOMIC_REQUESTS`, Django wraps every view in a transaction, which it cannot "
        "do for an async view: every request to one fails with `RuntimeError: You cannot use "
        "ATOMIC_REQUESTS with async views.`, unless the view is marked "
        "`@transaction.non_atomic_requests` (for that database). The finding is at the "
        "settings line and names an async view the project's URLconfs route to (function "
        "views and class-based views whose handlers are async)."
    )
    django_versions = "3.1 to 6.1"
    requires_text = (b"ATOMIC_REQUESTS",)
    invalid = (
        Example(
            _SETTINGS,
            Outcome(exception="builtins.RuntimeError", message=MESSAGE),
            files=(("views.py", _VIEW.format(decorator="")), _URLS),
            is_settings=True,
            expected=(
                Expected(
                    "5:9-5:32",
                    "ATOMIC_REQUESTS is on for database 'default' and the URLconf routes to async views (`views.product_count`): every request to them fails with RuntimeError: You cannot use ATOMIC_REQUESTS with async views. Mark each async view `@transaction.non_atomic_requests`, or turn ATOMIC_REQUESTS off and open transactions in sync code",
                ),
            ),
        ),
    )
    valid = (
        Example(
            _SETTINGS,
            files=(
                (
                    "views.py",
                    "from django.db import transaction\n"
                    + _VIEW.format(decorator="@transaction.non_atomic_requests\n"),
                ),
                _URLS,
            ),
            is_settings=True,
        ),
    )

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if string_value(node.key) != "ATOMIC_REQUESTS" or not bool_value(node.value):
            return
        alias = self._alias_of_config(self.ctx.parent(2), self.ctx.parent(3))
        if alias is not None:
            self._check(node, alias)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Subscript):
            return
        path = subscript_path(node.targets[0].target) or ()
        alias = (
            path[1] if len(path) == 3 and path[0] == "DATABASES" and path[2] == "ATOMIC_REQUESTS" else None
        )
        if alias is not None and bool_value(node.value):
            self._check(node, alias)

    def _alias_of_config(self, holder: cst.CSTNode | None, outer: cst.CSTNode | None) -> str | None:
        """The alias whose settings dict holds the element: `{"default": {...}}` or `DATABASES["x"] = {...}`."""
        if isinstance(holder, cst.DictElement) and isinstance(outer, cst.Dict):
            return string_value(holder.key)
        if isinstance(holder, cst.Assign) and len(holder.targets) == 1:
            path = subscript_path(holder.targets[0].target)
            if path is not None and len(path) == 2 and path[0] == "DATABASES":
                return path[1]
        return None

    def _check(self, node: cst.CSTNode, alias: str) -> None:
        index = request_path(self.ctx)
        settings = index.settings(self.ctx.options.settings_module)
        if (alias, self.ctx.module_name) not in settings.atomic_requests:
            return
        views = [
            view.qualname
            for view in index.routed_async_views
            if view.non_atomic is not None and alias not in view.non_atomic
        ]
        if not views:
            return
        more = f" and {len(views) - 1} more" if len(views) > 1 else ""
        self.report(
            node,
            f"ATOMIC_REQUESTS is on for database '{alias}' and the URLconf routes to async views "
            f"(`{views[0]}`{more}): every request to them fails with RuntimeError: {MESSAGE} Mark each "
            "async view `@transaction.non_atomic_requests`, or turn ATOMIC_REQUESTS off and open "
            "transactions in sync code",
        )
