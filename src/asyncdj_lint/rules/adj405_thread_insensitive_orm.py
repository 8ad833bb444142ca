"""ADJ405: ORM work run by `sync_to_async(..., thread_sensitive=False)`."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.calls import argument
from asyncdj_lint.analysis.values import ORM_LAZY, Instance
from asyncdj_lint.fixes import Fix, FixAvailability, Replace, Safety
from asyncdj_lint.rules._bridges import is_sync_to_async
from asyncdj_lint.rules.base import RESPONDS_OK, Example, Expected, Rule, Severity
from asyncdj_lint.syntax.walk import children

_ORM_VALUES = (*ORM_LAZY, Instance)


class ThreadInsensitiveOrm(Rule):
    code = "ADJ405"
    name = "thread-insensitive-orm"
    stable_since = "0.1.0"
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
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "`thread_sensitive=False` is removed from the call: the fix is unsafe, as it moves the work "
        "from a pool thread into the request's one sync thread, where it waits its turn (and now "
        "joins the request's connection and transaction). A flag passed by position has no fix."
    )
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
            expected=(
                Expected(
                    "7:19-7:79",
                    "`thread_sensitive=False` runs this ORM work in a pool thread with its own database connection, outside the request's thread and transaction, and that connection is never closed; drop `thread_sensitive=False`",
                ),
            ),
            fixed="""\
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from shop.models import Product


async def product_count(request):
    count = await sync_to_async(Product.objects.count)()
    return HttpResponse(count)
""",
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
            fix=self._fix(node),
        )

    def _fix(self, bridge: cst.Call) -> Fix | None:
        """The bridge call without its `thread_sensitive=False` keyword."""
        flag = next(
            (a for a in bridge.args if a.keyword is not None and a.keyword.value == "thread_sensitive"), None
        )
        if flag is None:
            return None
        kept = [arg for arg in bridge.args if arg is not flag]
        if bridge.args[-1] is flag:
            kept[-1] = kept[-1].with_changes(comma=flag.comma)
        call = bridge.with_changes(args=kept, lpar=(), rpar=())
        edit = Replace(bridge, self.ctx.module.code_for_node(call))
        return Fix("Drop `thread_sensitive=False`", Safety.UNSAFE, (edit,))

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
    found: list[cst.BaseExpression] = []
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, (cst.Attribute, cst.Call)):
            found.append(node)
        pending.extend(children(node))
    return found
