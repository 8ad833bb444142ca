"""ADJ405: ORM work run by `sync_to_async(..., thread_sensitive=False)`."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import argument
from asyncdj_lint.analysis.values import ORM_LAZY, Instance
from asyncdj_lint.rules._bridges import is_sync_to_async
from asyncdj_lint.rules.base import RESPONDS_OK, Example, Rule, Severity
from asyncdj_lint.syntax.walk import children

_ORM_VALUES = (*ORM_LAZY, Instance)


class ThreadInsensitiveOrm(Rule):
    code = "ADJ405"
    name = "thread-insensitive-orm"
    severity = Severity.WARNING
    summary = "ORM work runs in `sync_to_async(..., thread_sensitive=False)`."
    why = (
        "Django's database connections belong to a thread. With the default "
        "`thread_sensitive=True`, a request's sync ORM work runs in that request's one "
        "thread, on its connection. `thread_sensitive=False` runs it in a pool thread "
        "instead: it opens a separate connection, outside any transaction the request "
        "holds, and Django never closes it at the end of the request, so connections "
        "leak. Drop `thread_sensitive=False` for ORM work."
    )
    django_versions = "all"
    invalid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from shop.models import Product


async def product_count(request):
    count = await sync_to_async(Product.objects.count, thread_sensitive=False)()
    return HttpResponse(count)
""",
            None,
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from shop.models import Product


async def product_count(request):
    count = await sync_to_async(Product.objects.count)()
    return HttpResponse(count)
""",
            RESPONDS_OK,
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not is_sync_to_async(self.ctx, node) or not _thread_insensitive(node):
            return
        wrapped = argument(node, 0, "func")
        if wrapped is None or not (self._is_orm_work(wrapped) or self._gets_orm_arguments(node)):
            return
        self.report(
            node,
            "`thread_sensitive=False` runs this ORM work in a pool thread with its own database "
            "connection, outside the request's thread and transaction, and that connection is never "
            "closed; drop `thread_sensitive=False`",
        )

    def _is_orm_work(self, wrapped: cst.BaseExpression) -> bool:
        """A bound ORM method (`Product.objects.count`, `product.save`) or a lambda that uses the ORM."""
        if isinstance(wrapped, cst.Attribute):
            return isinstance(self.ctx.infer(wrapped.value), _ORM_VALUES)
        if isinstance(wrapped, cst.Lambda) and not wrapped.params.params:
            return any(isinstance(self.ctx.infer(node), ORM_LAZY) for node in _expressions(wrapped.body))
        return False

    def _gets_orm_arguments(self, bridge: cst.Call) -> bool:
        """`sync_to_async(list, thread_sensitive=False)(queryset)`."""
        call = self.ctx.parent()
        return (
            isinstance(call, cst.Call)
            and call.func is bridge
            and any(isinstance(self.ctx.infer(arg.value), _ORM_VALUES) for arg in call.args)
        )


def _thread_insensitive(call: cst.Call) -> bool:
    value = argument(call, 1, "thread_sensitive")
    return isinstance(value, cst.Name) and value.value == "False"


def _expressions(root: cst.CSTNode) -> list[cst.BaseExpression]:
    found, pending = [], [root]
    while pending:
        node = pending.pop()
        if isinstance(node, (cst.Attribute, cst.Call)):
            found.append(node)
        pending.extend(children(node))
    return found
