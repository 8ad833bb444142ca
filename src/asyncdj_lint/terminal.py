"""What the terminal can show: colour, width, and rule pages rendered for it."""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from collections.abc import Iterable
from typing import TextIO

import click

from asyncdj_lint.docs import rule_page
from asyncdj_lint.rules.base import Rule

SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "advisory": "blue"}
_MAX_WIDTH = 100
_INLINE_MARKUP = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`")


def is_terminal(stream: TextIO) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def wants_colour(stream: TextIO) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    return is_terminal(stream) and not os.environ.get("NO_COLOR")


def width() -> int:
    return min(shutil.get_terminal_size().columns, _MAX_WIDTH)


def severity(text: str, colour: bool) -> str:
    return click.style(text, fg=SEVERITY_COLOURS.get(text.strip()), bold=True) if colour else text


def render_rule(rule: type[Rule], colour: bool) -> str:
    """A rule's reference page, as Markdown turned into wrapped, styled text."""
    out: list[str] = []
    in_code = False
    for line in rule_page(rule).splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif in_code:
            out.append("    " + (click.style(line, fg="cyan") if colour else line))
        elif line.startswith("#"):
            title = line.lstrip("#").strip()
            out.append(
                click.style(title, bold=True, underline=line.startswith("# ") or None) if colour else title
            )
        elif line:
            out.extend(textwrap.wrap(_inline(line, colour), width=width(), break_on_hyphens=False))
        else:
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _inline(text: str, colour: bool) -> str:
    """`code` and **bold** as styles on a terminal, as plain text elsewhere."""

    def replace(match: re.Match[str]) -> str:
        bold, code = match.groups()
        if not colour:
            return bold or code
        return click.style(bold, bold=True) if bold else click.style(code, fg="cyan")

    return _INLINE_MARKUP.sub(replace, text)


def render_rule_list(rules: Iterable[type[Rule]], colour: bool) -> str:
    """`rule --all`: code, severity, Django versions and name, the summary below."""
    rows = list(rules)
    versions_width = max((len(r.django_versions) for r in rows), default=0)
    out = []
    for rule in rows:
        code = click.style(rule.code, bold=True) if colour else rule.code
        level = severity(f"{rule.severity.value:<8}", colour)
        out.append(f"{code}  {level}  {rule.django_versions:<{versions_width}}  {rule.name}")
        out.extend(
            textwrap.wrap(
                _inline(rule.summary, colour),
                width=width(),
                initial_indent=" " * 8,
                subsequent_indent=" " * 8,
            )
        )
    return "\n".join(out) + "\n"
