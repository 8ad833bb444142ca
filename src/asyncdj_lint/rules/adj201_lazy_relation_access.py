"""ADJ201: a foreign key or one-to-one relation read in async code without having been loaded."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.values import Instance
from asyncdj_lint.rules._relations import is_write_target, relation_cached_in_scope
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class LazyRelationAccess(Rule):
    code = "ADJ201"
    name = "lazy-relation-access"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "A foreign key or one-to-one relation that the query did not load is read in async code."
    why = (
        "Reading `order.customer` runs a query to fetch the customer unless the query that "
        'produced `order` loaded it (`select_related("customer")`, `prefetch_related`). '
        "On the event loop that query raises `SynchronousOnlyOperation`, and Django has no "
        "async relation accessor. Load the relation in the query, fetch it explicitly with "
        "`await Customer.objects.aget(pk=order.customer_id)`, or read `order.customer_id`, "
        "which never queries. The rule judges instances whose query it can see: `aget()`, "
        "`afirst()`, `async for` and their relatives, including inside loops. Django's own "
        "models count as the project's: `entry.user` of an admin `LogEntry`, "
        "`permission.content_type`, `redirect.site`, and relations to `settings.AUTH_USER_MODEL`, "
        "which lead to the model that setting names."
    )
    invalid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order


async def order_detail(request, pk):
    order = await Order.objects.aget(pk=pk)
    return JsonResponse({"customer": order.customer.name})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:38-7:52",
                    '`order.customer` was not loaded by the query: reading it fetches the related Customer with a query on the event loop and raises SynchronousOnlyOperation; add `select_related("customer")` to that query',
                ),
            ),
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order


async def order_customers(request):
    names = []
    async for order in Order.objects.all():
        names.append(order.customer.name)
    return JsonResponse({"names": names})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "8:22-8:36",
                    '`order.customer` was not loaded by the query: reading it fetches the related Customer with a query on the event loop and raises SynchronousOnlyOperation; add `select_related("customer")` to that query',
                ),
            ),
        ),
        Example(
            """\
from django.contrib.auth.models import Permission
from django.http import JsonResponse


async def permission_label(request):
    permission = await Permission.objects.aget(codename="view_product")
    return JsonResponse({"label": f"{permission.content_type.app_label}.{permission.codename}"})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "7:38-7:61",
                    '`permission.content_type` was not loaded by the query: reading it fetches the related ContentType with a query on the event loop and raises SynchronousOnlyOperation; add `select_related("content_type")` to that query',
                ),
            ),
        ),
    )
    valid = (
        Example(
            """\
from django.contrib.auth.models import Permission
from django.http import JsonResponse


async def permission_label(request):
    permission = await Permission.objects.select_related("content_type").aget(codename="view_product")
    return JsonResponse({"label": f"{permission.content_type.app_label}.{permission.codename}"})
"""
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order


async def order_detail(request, pk):
    order = await Order.objects.select_related("customer").aget(pk=pk)
    return JsonResponse({"customer": order.customer.name, "id": order.customer_id})
"""
        ),
        Example(
            """\
from django.http import JsonResponse
from shop.models import Order


async def order_customers(request):
    names = []
    async for order in Order.objects.select_related("customer"):
        names.append(order.customer.name)
    async for other in Order.objects.prefetch_related("customer"):
        names.append(other.customer.email)
    return JsonResponse({"names": names})
"""
        ),
    )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self.ctx.on_loop or is_write_target(self.ctx, node):
            return
        owner = self.ctx.infer(node.value)
        if not isinstance(owner, Instance) or owner.loading is None:
            return
        attr = node.attr.value
        relation = self.ctx.index.relations.relation(owner.model.qualname, attr)
        if relation is None or relation.kind == "many" or attr in owner.loading.relations:
            return
        if relation_cached_in_scope(self.ctx, node.value, attr):
            return
        text = self.ctx.snippet(node)
        loader = "prefetch_related" if relation.kind == "generic" else "select_related"
        target = relation.target.rsplit(".", 1)[-1] if relation.target else "object"
        self.report(
            node,
            f"`{text}` was not loaded by the query: reading it fetches the related {target} "
            f"with a query on the event loop and raises SynchronousOnlyOperation; add "
            f'`{loader}("{self._path(node.value, attr)}")` to that query',
        )

    def _path(self, owner: cst.BaseExpression, attr: str) -> str:
        """`customer__profile` for `order.customer.profile`: the lookup from the queried instance."""
        steps = [attr]
        while isinstance(owner, cst.Attribute):
            value = self.ctx.infer(owner.value)
            if not isinstance(value, Instance):
                break
            if self.ctx.index.relations.relation(value.model.qualname, owner.attr.value) is None:
                break
            steps.insert(0, owner.attr.value)
            owner = owner.value
        return "__".join(steps)
