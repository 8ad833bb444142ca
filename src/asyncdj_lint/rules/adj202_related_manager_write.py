"""ADJ202: a related manager's add/remove/set/clear/create called in async code."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.analysis.values import RelatedManager
from asyncdj_lint.fixes import Fix, FixAvailability
from asyncdj_lint.rules._fixes import await_twin
from asyncdj_lint.rules._orm import RELATED_WRITES
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity

_DEFAULT_TARGET = (5, 2)
# Async twins of related manager writes, with the first release that has them (facts sheet §2).
_ASYNC_TWINS = {
    "add": ("aadd", (4, 2, 0)),
    "remove": ("aremove", (4, 2, 0)),
    "set": ("aset", (4, 2, 0)),
    "clear": ("aclear", (4, 2, 0)),
    "create": ("acreate", (4, 1, 4)),
    "get_or_create": ("aget_or_create", (4, 1, 4)),
    "update_or_create": ("aupdate_or_create", (4, 1, 4)),
}
# remove() and clear() exist on a reverse ForeignKey manager only when the ForeignKey is nullable.
_NULLABLE_ONLY = frozenset({"remove", "clear"})


class RelatedManagerWrite(Rule):
    code = "ADJ202"
    name = "related-manager-write"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = (
        "A related manager's `add()`, `remove()`, `set()`, `clear()` or `create()` is called in async code."
    )
    why = (
        "The managers behind reverse foreign keys and many-to-many fields (`product.tags`, "
        "`customer.orders`) write with SQL: called on the event loop, `add()`, `remove()`, "
        "`set()`, `clear()`, `create()`, `get_or_create()` and `update_or_create()` raise "
        "`SynchronousOnlyOperation`. Django 4.2 added `aadd()`, `aremove()`, `aset()` and "
        "`aclear()`; the related `acreate()`, `aget_or_create()` and `aupdate_or_create()` "
        "work since 4.1.4 (4.1.0 to 4.1.3 did not set the relation). On older versions "
        "wrap the call in `sync_to_async`. The many-to-many managers of Django's own models "
        "are judged the same: `user.groups`, `user.user_permissions`, `group.permissions`, "
        "`flatpage.sites`."
    )
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "When the target Django version has the manager's async twin for sure (`aadd()` ... 4.2, "
        "`acreate()` ... 4.1.4), the call is replaced by it, awaited (`product.tags.add(tag)` becomes "
        "`await product.tags.aadd(tag)`): the fix is safe, the twin runs the same queries. Otherwise, "
        "or where `await` cannot be written (in a comprehension or a lambda), there is no fix."
    )
    invalid = (
        Example(
            """\
from django.http import HttpResponse
from shop.models import Product, Tag


async def tag_product(request, pk):
    product = await Product.objects.aget(pk=pk)
    tag = await Tag.objects.aget(name="office")
    product.tags.add(tag)
    return HttpResponse(status=200)
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "8:5-8:26",
                    "`product.tags.add()` runs SQL on the event loop and raises SynchronousOnlyOperation; use `await product.tags.aadd(...)`",
                ),
            ),
            fixed="""\
from django.http import HttpResponse
from shop.models import Product, Tag


async def tag_product(request, pk):
    product = await Product.objects.aget(pk=pk)
    tag = await Tag.objects.aget(name="office")
    await product.tags.aadd(tag)
    return HttpResponse(status=200)
""",
        ),
        Example(
            """\
from django.contrib.auth.models import Group, User
from django.http import HttpResponse


async def make_editor(request):
    user = await User.objects.aget(username="ada")
    editors, _ = await Group.objects.aget_or_create(name="editors")
    user.groups.add(editors)
    return HttpResponse(status=200)
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "8:5-8:29",
                    "`user.groups.add()` runs SQL on the event loop and raises SynchronousOnlyOperation; use `await user.groups.aadd(...)`",
                ),
            ),
            fixed="""\
from django.contrib.auth.models import Group, User
from django.http import HttpResponse


async def make_editor(request):
    user = await User.objects.aget(username="ada")
    editors, _ = await Group.objects.aget_or_create(name="editors")
    await user.groups.aadd(editors)
    return HttpResponse(status=200)
""",
        ),
    )
    valid = (
        Example(
            """\
from django.contrib.auth.models import Group, User
from django.http import HttpResponse


async def make_editor(request):
    user = await User.objects.aget(username="ada")
    editors, _ = await Group.objects.aget_or_create(name="editors")
    await user.groups.aadd(editors)
    return HttpResponse(status=200)
"""
        ),
        Example(
            """\
from django.http import HttpResponse
from shop.models import Product, Tag


async def tag_product(request, pk):
    product = await Product.objects.aget(pk=pk)
    tag = await Tag.objects.aget(name="office")
    await product.tags.aadd(tag)
    await product.tags.acreate(name="new")
    return HttpResponse(status=200)
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop or not isinstance(node.func, cst.Attribute):
            return
        method = node.func.attr.value
        if method not in RELATED_WRITES:
            return
        manager = self.ctx.infer(node.func.value)
        if not isinstance(manager, RelatedManager):
            return
        relation = manager.relation
        if (
            method in _NULLABLE_ONLY
            and relation is not None
            and relation.reverse_foreign_key
            and not relation.nullable
        ):
            return  # no such method: an AttributeError in any context, not this rule's concern
        text = self.ctx.snippet(node.func.value)
        self.report(
            node,
            f"`{text}.{method}()` runs SQL on the event loop and raises "
            f"SynchronousOnlyOperation; {self._advice(text, method)}",
            fix=self._fix(node, method),
        )

    def _fix(self, node: cst.Call, method: str) -> Fix | None:
        twin, since = _ASYNC_TWINS[method]
        target = self.ctx.options.target_django or _DEFAULT_TARGET
        if target > since[:2] or (target == since[:2] and since[2] == 0):
            return await_twin(self.ctx, node, twin)
        return None

    def _advice(self, text: str, method: str) -> str:
        twin, since = _ASYNC_TWINS[method]
        target = self.ctx.options.target_django or _DEFAULT_TARGET
        fallback = f"`await sync_to_async({text}.{method})(...)`"
        release = ".".join(map(str, since if since[2] else since[:2]))
        if target > since[:2] or (target == since[:2] and since[2] == 0):
            return f"use `await {text}.{twin}(...)`"
        if target == since[:2]:
            return f"use `await {text}.{twin}(...)` on Django {release} or later, else {fallback}"
        return f"use {fallback} (`{twin}()` needs Django {release})"
