"""ADJ301: a sync project function that runs a query (or fails on the loop) called in async code."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._fixes import bridge_fix
from asyncdj_lint.rules._helpers import helper_chain, wrap_advice
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Expected, Rule, Severity


class SyncHelperQuery(Rule):
    code = "ADJ301"
    name = "sync-helper-query"
    stable_since = "0.1.0"
    severity = Severity.ERROR
    sync_only_query = True
    summary = "A sync function that queries the database, directly or through the functions it calls, is called in async code."
    why = (
        "Calling a plain `def` from an `async def` runs it on the event loop. When that "
        "function, or any project function it calls, in this module or another, runs a "
        "query, evaluates a QuerySet or reads a lazy relation, Django raises "
        "`SynchronousOnlyOperation` deep inside the helper. The finding names the call that "
        "queries, then the chain of calls down to it. Call the helper in a thread with "
        "`await sync_to_async(helper)(...)`, or decorate it with `@sync_to_async`."
    )
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The call runs through `await sync_to_async(helper)(...)`, importing `sync_to_async`: the fix is unsafe, as it moves the work into a thread (where it is "
        "meant to run, but code that relies on running on the loop's thread changes). No fix is "
        "offered where `await` cannot be written (in a comprehension or a lambda)."
    )
    invalid = (
        Example(
            """\
from django.http import JsonResponse
from shop.models import Customer


def customer_name(pk):
    return Customer.objects.get(pk=pk).name


def greeting(pk):
    return f"Hello {customer_name(pk)}"


async def greet(request, pk):
    return JsonResponse({"greeting": greeting(pk)})
""",
            RAISES_SYNC_ONLY,
            expected=(
                Expected(
                    "14:38-14:50",
                    "`Customer.objects.get()` runs a database query on the event loop and raises SynchronousOnlyOperation, reached from `greeting()` on the event loop: greeting() -> customer_name() -> Customer.objects.get() (snippet.py:6); use `await sync_to_async(greeting)(...)`",
                ),
            ),
            fixed="""\
from django.http import JsonResponse
from shop.models import Customer
from asgiref.sync import sync_to_async


def customer_name(pk):
    return Customer.objects.get(pk=pk).name


def greeting(pk):
    return f"Hello {customer_name(pk)}"


async def greet(request, pk):
    return JsonResponse({"greeting": await sync_to_async(greeting)(pk)})
""",
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.http import JsonResponse
from shop.models import Customer


def customer_name(pk):
    return Customer.objects.get(pk=pk).name


def greeting(pk):
    return f"Hello {customer_name(pk)}"


@sync_to_async
def customer_email(pk):
    return Customer.objects.get(pk=pk).email


def shout(text):
    return text.upper()


async def greet(request, pk):
    text = await sync_to_async(greeting)(pk)
    email = await customer_email(pk)
    return JsonResponse({"greeting": shout(text), "email": email})
"""
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        chain = helper_chain(self.ctx, node, self.severity)
        if chain is None:
            return
        fact = chain.fact
        fails = (
            fact.detail or f"`{fact.text}` runs a query on the event loop and raises SynchronousOnlyOperation"
        )
        self.report(
            node,
            f"{fails}, reached from `{chain.calls[0]}` on the event loop: {chain.render()}; "
            f"use {wrap_advice(self.ctx, node)}",
            fix=bridge_fix(self.ctx, node),
        )
