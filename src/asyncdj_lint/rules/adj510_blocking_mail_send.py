"""ADJ510: mail sent on the event loop."""

from __future__ import annotations

from typing import TypeGuard

import libcst as cst

from asyncdj_lint.analysis.calls import callee_name, is_built_by
from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules._fixes import bridge_fix
from asyncdj_lint.rules.base import RESPONDS_OK, Example, Expected, Outcome, Rule, Severity

_MAIL = "django.core.mail"
SENDING_FUNCTIONS = frozenset(
    f"{_MAIL}.{name}" for name in ("send_mail", "send_mass_mail", "mail_admins", "mail_managers")
)
MESSAGE_CLASSES = frozenset(
    f"{module}.{name}"
    for module in (_MAIL, f"{_MAIL}.message")
    for name in ("EmailMessage", "EmailMultiAlternatives")
)


class BlockingMailSend(Rule):
    code = "ADJ510"
    name = "blocking-mail-send"
    stable_since = "0.1.0"
    severity = Severity.WARNING
    summary = "Mail is sent (`send_mail()`, `EmailMessage.send()`, ...) in async code."
    why = (
        "Sending mail talks to the SMTP server before it returns, so the event loop waits "
        "on the network for the whole exchange. Django has no async mail API (through "
        "6.1) and raises nothing. Send it in a thread with `sync_to_async`, or hand it to "
        "a task queue."
    )
    django_versions = "all"
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "The call runs through `await sync_to_async(send_mail)(...)` (likewise `message.send`), importing `sync_to_async`: the fix is unsafe, as it moves the work into a thread (where it is "
        "meant to run, but code that relies on running on the loop's thread changes). No fix is "
        "offered where `await` cannot be written (in a comprehension or a lambda)."
    )
    invalid = (
        Example(
            """\
from django.core.mail import send_mail
from django.http import HttpResponse


async def contact(request):
    send_mail("Hello", "Thanks for writing.", "shop@example.com", ["ada@example.com"])
    return HttpResponse("sent")
""",
            Outcome(runs_on_loop="django.core.mail.send_mail"),
            expected=(
                Expected(
                    "6:5-6:87",
                    "`send_mail()` waits on the SMTP server on the event loop for the whole exchange (connect, send, quit), without limit unless `EMAIL_TIMEOUT` is set; use `await sync_to_async(send_mail)(...)`",
                ),
            ),
            fixed="""\
from django.core.mail import send_mail
from django.http import HttpResponse
from asgiref.sync import sync_to_async


async def contact(request):
    await sync_to_async(send_mail)("Hello", "Thanks for writing.", "shop@example.com", ["ada@example.com"])
    return HttpResponse("sent")
""",
        ),
    )
    valid = (
        Example(
            """\
from asgiref.sync import sync_to_async
from django.core.mail import send_mail
from django.http import HttpResponse


async def contact(request):
    await sync_to_async(send_mail)("Hello", "Thanks for writing.", "shop@example.com", ["ada@example.com"])
    return HttpResponse("sent")
""",
            RESPONDS_OK,
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.on_loop:
            return
        name = callee_name(self.ctx, node)
        if name in SENDING_FUNCTIONS:
            function = name.rsplit(".", 1)[1]
            self._report(node, f"`{function}()`", f"`await sync_to_async({function})(...)`")
        elif self._is_message_send(node.func):
            message = self.ctx.snippet(node.func.value)
            self._report(node, f"`{message}.send()`", f"`await sync_to_async({message}.send)()`")

    def _is_message_send(self, func: cst.BaseExpression) -> TypeGuard[cst.Attribute]:
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value == "send"
            and is_built_by(self.ctx, func.value, MESSAGE_CLASSES)
        )

    def _report(self, node: cst.Call, what: str, advice: str) -> None:
        self.report(
            node,
            f"{what} waits on the SMTP server on the event loop for the whole exchange (connect, "
            f"send, quit), without limit unless `EMAIL_TIMEOUT` is set; use {advice}",
            fix=bridge_fix(self.ctx, node),
        )
