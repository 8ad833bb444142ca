"""ADJ301: a sync project function that runs a query (or fails on the loop) called in async code."""

from __future__ import annotations

import libcst as cst

from asyncdj_lint.rules._helpers import helper_chain, wrap_advice
from asyncdj_lint.rules.base import RAISES_SYNC_ONLY, Example, Rule, Severity


class SyncHelperQuery(Rule):
    code = "ADJ301"
    name = "sync-helper-query"
    severity = Severity.ERROR
    summary = "A sync function that queries the database, directly or through the functions it calls, is called in async code."
    why = (
        "Calling a plain `def` from an `async def` runs it on the event loop. When that "
        "function, or any project function it calls, in this module or another, runs a "
        "query, evaluates a QuerySet or reads a lazy relation, Django raises "
        "`SynchronousOnlyOperation` deep inside the helper. The finding names the call that "
        "queries, then the chain of calls down to it. Call the helper in a thread with "
        "`await sync_to_async(helper)(...)`, or decorate it with `@sync_to_async`."
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
        )
