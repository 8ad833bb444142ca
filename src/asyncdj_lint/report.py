"""What `asyncdj-lint check` prints besides the findings: statistics, the closing line, progress."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TextIO

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.rules import rule_by_code


def statistics(diagnostics: Sequence[Diagnostic]) -> str:
    """`--statistics`: how many findings each rule has, most first, as ruff prints them."""
    counts = Counter(d.code for d in diagnostics)
    width = len(str(max(counts.values(), default=0)))
    lines = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = rule_by_code(code)
        name = f"[{rule.severity.value}] {rule.name}" if rule else ""
        lines.append(f"{count:>{width}}\t{code}\t{name}".rstrip())
    return "".join(line + "\n" for line in lines)


def closing_line(
    diagnostics: Sequence[Diagnostic],
    files_checked: int,
    *,
    fixed: int = 0,
    fixable: int = 0,
    hidden: int = 0,
) -> str:
    """The summary under the full format; with fixes, ruff's wording for how many were or can be fixed.

    `fixable`: findings whose fix this run's options would apply; `hidden`: the
    ones only `--unsafe-fixes` would.
    """
    files = _plural(files_checked, "file")
    if not diagnostics and not fixed:
        return f"All checks passed ({files} checked).\n"
    if fixed:
        found = f"Found {_plural(len(diagnostics) + fixed, 'finding')} ({fixed} fixed, {len(diagnostics)} remaining)"
        lines = [f"{found} in {files} checked."]
    else:
        lines = [f"Found {_plural(len(diagnostics), 'finding')} in {files} checked."]
    noun = "unsafe fix" if hidden == 1 else "unsafe fixes"
    unsafe = f"{hidden} {noun} available with `--fix --unsafe-fixes`" if hidden else ""
    if fixable:
        lines.append(f"[*] {fixable} fixable with `--fix`" + (f" ({unsafe})." if unsafe else "."))
    elif unsafe:
        lines.append(f"{unsafe}.")
    return "".join(line + "\n" for line in lines)


def fixed_summary(fixed: Mapping[str, Mapping[str, int]]) -> str:
    """`--show-fixes`: the fixes applied, per file and code, as ruff lists them."""
    total = sum(count for codes in fixed.values() for count in codes.values())
    if not total:
        return ""
    lines = [f"Fixed {_plural(total, 'finding')}:"]
    for path in sorted(fixed):
        lines.append(f"- {path}:")
        for code, count in sorted(fixed[path].items()):
            rule = rule_by_code(code)
            lines.append(f"    {count} \u00d7 {code}" + (f" ({rule.name})" if rule else ""))
    return "".join(line + "\n" for line in lines)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Progress:
    """`checked 120/2000 files` on a terminal's stderr, once a run has taken long enough to wonder."""

    DELAY = 1.0  # seconds before the first update: short runs stay silent
    INTERVAL = 0.1

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.last_shown = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < self.DELAY or now - self.last_shown < self.INTERVAL:
            return
        self.last_shown = now
        self.shown = True
        self.stream.write(f"\rchecked {done}/{total} files")
        self.stream.flush()

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
