"""ADJ302: a sync project function that blocks on I/O called in async code."""

from __future__ import annotations

from asyncdj_lint.analysis.helpers import Fact
from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._helpers import ChainReports
from asyncdj_lint.rules.base import RESPONDS_OK, Example, Expected, Outcome, Rule, Severity


class SyncHelperBlocks(ChainReports, Rule):
    code = "ADJ302"
    name = "sync-helper-blocks"
    stable_since = "0.1.0"
    severity = Severity.WARNING
    summary = "A sync function that blocks on I/O, directly or through the functions it calls, is called in async code."
    why = (
        "A plain `def` called from an `async def` runs on the event loop. When it, or a "
        "project function it calls, sleeps, makes an HTTP request, sends mail or runs a "
        "subprocess, the whole loop waits: every other request it serves stalls, and Django "
        "raises nothing. The finding names the call that blocks and how long it can block "
        "(a sleep's seconds, an HTTP call's timeout or its absence), then the chain of calls "
        "down to it. "
        "The calls followed are those ADJ301 follows: functions, methods, classmethods and "
        "staticmethods (also of models), properties, and class construction (`__init__`). A helper "
        "called from test code is judged under the test settings (a cache that is local memory "
        "there does no I/O). "
        "Call the helper with `await sync_to_async(helper)(...)`, or make it async. Local "
        "file I/O (`open()`) is brief and is reported only where async code calls it "
        "itself (ADJ512), not behind helpers."
    )
    django_versions = "all"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The call runs through `await sync_to_async(helper)(...)`, importing `sync_to_async`: the fix is unsafe, as it moves the work into a thread (where it is "
        "meant to run, but code that relies on running on the loop's thread changes). No fix is "
        "offered where `await` cannot be written (in a comprehension or a lambda)."
    )
    invalid = (
        Example(
            """\
import time

from django.http import HttpResponse


def wait_for_stock():
    time.sleep(0.01)


async def reserve(request):
    wait_for_stock()
    return HttpResponse("reserved")
""",
            Outcome(runs_on_loop="time.sleep"),
            expected=(
                Expected(
                    "11:5-11:21",
                    "`time.sleep()` blocks the event loop for 0.01 s, reached from `wait_for_stock()` on the event loop: wait_for_stock() -> time.sleep() (snippet.py:7); use `await sync_to_async(wait_for_stock)(...)`",
                ),
            ),
            fixed="""\
import time

from django.http import HttpResponse
from asgiref.sync import sync_to_async


def wait_for_stock():
    time.sleep(0.01)


async def reserve(request):
    await sync_to_async(wait_for_stock)()
    return HttpResponse("reserved")
""",
        ),
        Example(
            """\
import time

from django.http import HttpResponse


class StockGauge:
    def __init__(self):
        time.sleep(0.01)
        self.level = 3


async def stock(request):
    gauge = StockGauge()
    return HttpResponse(str(gauge.level))
""",
            Outcome(runs_on_loop="time.sleep"),
            expected=(
                Expected(
                    "13:13-13:25",
                    "`time.sleep()` blocks the event loop for 0.01 s, reached from `StockGauge()` on the event loop: StockGauge() -> time.sleep() (snippet.py:8); use `await sync_to_async(StockGauge)(...)`",
                ),
            ),
            fixed="""\
import time

from django.http import HttpResponse
from asgiref.sync import sync_to_async


class StockGauge:
    def __init__(self):
        time.sleep(0.01)
        self.level = 3


async def stock(request):
    gauge = await sync_to_async(StockGauge)()
    return HttpResponse(str(gauge.level))
""",
        ),
    )
    valid = (
        Example(
            """\
import time

from asgiref.sync import sync_to_async
from django.http import HttpResponse


def wait_for_stock():
    time.sleep(0.01)


async def reserve(request):
    await sync_to_async(wait_for_stock)()
    return HttpResponse("reserved")
""",
            RESPONDS_OK,
        ),
    )

    def what_fails(self, fact: Fact) -> str:
        return fact.detail or f"`{fact.text}` blocks the event loop"
