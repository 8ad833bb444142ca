"""ADJ706: `ATOMIC_REQUESTS = True` in a project that routes to async views."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import AddImport, Fix, FixAvailability, InsertBefore, NodeEdit, Safety
from asyncdj_lint.index.request_path import RequestPathIndex
from asyncdj_lint.index.request_path.views import ViewRef
from asyncdj_lint.rules._fixes import importable
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
_SNIPPET_URLS = (
    "urls.py",
    """\
from django.urls import path

import snippet

urlpatterns = [path("", snippet.product_count)]
""",
)
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
        "views and class-based views whose handlers are async); each such view is reported "
        "where it is defined too, as that is where it is marked."
    )
    django_versions = "3.1 to 6.1"
    requires_text = (b"ATOMIC_REQUESTS", b"async")
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "At a view's definition, the view is marked for each database whose ATOMIC_REQUESTS is on: "
        '`@transaction.non_atomic_requests` (`(using="alias")` for another database) above a '
        "function view's decorators, `@method_decorator(transaction.non_atomic_requests, "
        'name="dispatch")` above a class-based view (`as_view()` copies the mark from `dispatch`), '
        "importing `transaction` and `method_decorator`. The fix is unsafe: the view no longer runs "
        "in the request's transaction (Django cannot open one around an async view), so what it "
        "writes is committed as it goes. A view the URLconf routes through a wrapper "
        "(`never_cache(View.as_view())`), or where `transaction` or `method_decorator` names "
        "something else in the module, has no fix; the settings line has none."
    )
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
        Example(
            _VIEW.format(decorator=""),
            Outcome(exception="builtins.RuntimeError", message=MESSAGE),
            files=(("settings.py", _SETTINGS), _SNIPPET_URLS),
            expected=(
                Expected(
                    "5:11-5:24",
                    "`product_count` is an async view the URLconf routes to while ATOMIC_REQUESTS is on for database 'default' (settings): every request to it fails with RuntimeError: You cannot use ATOMIC_REQUESTS with async views. Mark it `@transaction.non_atomic_requests`, or turn ATOMIC_REQUESTS off and open transactions in sync code",
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Product
from django.db import transaction


@transaction.non_atomic_requests
async def product_count(request):
    return JsonResponse({"count": await Product.objects.acount()})
""",
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

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is not None:
            self._check_view(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._check_view(node)

    def _check_view(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        """A routed async view defined here, on its way to a database with ATOMIC_REQUESTS on."""
        if not any(statement is node for statement in self.ctx.module.body):
            return
        index = request_path(self.ctx)
        settings = index.settings(self.ctx.options.settings_module)
        aliases = sorted({alias for alias, _ in settings.atomic_requests})
        if not aliases:
            return
        qualname = f"{self.ctx.module_name}.{node.name.value}"
        routes = request_path(self.ctx).routed_views
        refs = [view for view in index.routed_async_views if view.qualname == qualname]
        if (
            not refs
            and isinstance(node, cst.ClassDef)
            and qualname in routes
            and _all_async(index, qualname, node)
        ):
            # Its handlers are all async in this text (another rule's fix made them so): as the index
            # would see it once the file is read again.
            refs = [ViewRef(qualname, _marked_class(self.ctx.module, node))]
        written = {self.ctx.module.code_for_node(decorator.decorator) for decorator in node.decorators}
        missing = [
            alias
            for alias in aliases
            if any(view.non_atomic is not None and alias not in view.non_atomic for view in refs)
            # What the fix wrote in an earlier round, before the index reads it.
            and _mark(node, alias) not in written
        ]
        if not missing:
            return
        where = next(module for alias, module in settings.atomic_requests if alias == missing[0])
        databases = ", ".join(f"'{alias}'" for alias in missing)
        self.report(
            node.name,
            f"`{node.name.value}` is an async view the URLconf routes to while ATOMIC_REQUESTS is on for "
            f"database {databases} ({where}): every request to it fails with RuntimeError: {MESSAGE} "
            f"Mark it `@{_mark(node, missing[0])}`, or turn ATOMIC_REQUESTS off and open transactions in "
            "sync code",
            fix=self._fix(node, missing) if routes.get(qualname) else None,
        )

    def _fix(self, node: cst.FunctionDef | cst.ClassDef, aliases: list[str]) -> Fix | None:
        """The non_atomic_requests marks above the view's decorators, one per database."""
        if not importable(self.ctx, "django.db", "transaction"):
            return None
        edits: list[NodeEdit] = [AddImport("django.db", "transaction")]
        if isinstance(node, cst.ClassDef):
            if not importable(self.ctx, "django.utils.decorators", "method_decorator"):
                return None
            edits.append(AddImport("django.utils.decorators", "method_decorator"))
        first: cst.CSTNode = node.decorators[0] if node.decorators else node
        edits.append(InsertBefore(first, "".join(f"@{_mark(node, alias)}\n" for alias in aliases)))
        return Fix("Mark the view `non_atomic_requests`", Safety.UNSAFE, tuple(edits))


def _mark(node: cst.FunctionDef | cst.ClassDef, alias: str) -> str:
    """The decorator (without `@`) that exempts the view from the request transaction on `alias`."""
    mark = (
        "transaction.non_atomic_requests"
        if alias == "default"
        else f'transaction.non_atomic_requests(using="{alias}")'
    )
    return mark if isinstance(node, cst.FunctionDef) else f'method_decorator({mark}, name="dispatch")'


def _all_async(index: RequestPathIndex, qualname: str, node: cst.ClassDef) -> bool:
    """Whether every HTTP handler of the class is async, reading its own methods from `node`."""
    handlers = index.handlers(qualname)
    own = {s.name.value: s.asynchronous is not None for s in node.body.body if isinstance(s, cst.FunctionDef)}
    return bool(handlers) and all(
        own.get(name, is_async) if defined_in == qualname else is_async
        for name, (is_async, defined_in) in (handlers or {}).items()
    )


def _marked_class(module: cst.Module, node: cst.ClassDef) -> frozenset[str] | None:
    """The aliases a class-based view is exempt on, as the index reads it: any `non_atomic_requests`
    among the class's decorators or those of its `dispatch` exempts it on every alias (None)."""
    dispatch = [s for s in node.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "dispatch"]
    decorators = [*node.decorators, *(d for method in dispatch for d in method.decorators)]
    if any("non_atomic_requests" in module.code_for_node(d.decorator) for d in decorators):
        return None
    return frozenset()
