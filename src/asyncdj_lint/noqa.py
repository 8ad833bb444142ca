"""`# noqa` comments, read the way flake8 and ruff read them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

# flake8's pattern: a bare noqa comment, or one with codes after a colon
# (`noqa: ADJ101`, `NOQA:ADJ101,ADJ102`), in any case.
_NOQA = re.compile(
    r"#\s*noqa"
    r"(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)


def is_suppressed(line: str, code: str) -> bool:
    """Whether a finding with `code` on this source line is suppressed."""
    if "#" not in line:
        return False
    for match in _NOQA.finditer(line):
        codes = listed_codes(match)
        if codes is None or any(code.startswith(c) for c in codes):
            return True
    return False


def find_noqa(line: str) -> re.Match[str] | None:
    """The first `# noqa` comment on a line."""
    return _NOQA.search(line) if "#" in line else None


def listed_codes(match: re.Match[str]) -> list[str] | None:
    """The codes a `# noqa: ...` comment lists, upper-cased; None for a bare `# noqa`."""
    codes = match.group("codes")
    return None if codes is None else [c.upper() for c in re.split(r"[,\s]+", codes) if c]


# A file-level exemption, on a line of its own: asyncdj-lint's, bare or with codes after a colon,
# or flake8's bare one (flake8 ignores its file-level form with codes, and so does this).
_FILE_NOQA = re.compile(
    r"#\s*(?P<tool>asyncdj-lint|flake8)\s*[:=]\s*noqa"
    r"(?P<listed>:\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)


def file_exemption(own_line_comments: Iterable[str]) -> tuple[str, ...] | None:
    """The codes a file's own-line comments exempt it from: `("",)` for every code; None for none."""
    exempt: list[str] = []
    for comment in own_line_comments:
        match = _FILE_NOQA.match(comment)
        if match is None:
            continue
        if match.group("listed") is None:
            return ("",)
        if match.group("tool").lower() == "asyncdj-lint":
            exempt.extend(c.upper() for c in re.split(r"[,\s]+", match.group("codes")) if c)
    return tuple(exempt) or None


@dataclass(eq=False)
class LineNoqa:
    """A `# noqa` comment that ends a line, and which of its codes suppressed a finding."""

    line: int
    comment: str
    codes: list[str] | None  # None for a bare noqa comment
    used: set[str] = field(default_factory=set)

    def suppresses(self, code: str) -> bool:
        if self.codes is None:
            return True
        for listed in self.codes:
            if code.startswith(listed):
                self.used.add(listed)
                return True
        return False


class Suppressions:
    """One file's `# noqa` comments: by line, for statements written over several lines, and for the file.

    A finding is suppressed by a `# noqa` on the line it is reported at, or on
    the first line of the statement (or compound statement's header) that
    line belongs to, as ruff reads them; and by a file-level exemption.
    """

    def __init__(
        self,
        comments: dict[int, str],
        statement_starts: dict[int, int],
        exempt: tuple[str, ...] | None,
    ) -> None:
        self.exempt = exempt
        self.statement_starts = statement_starts
        self.by_line: dict[int, LineNoqa] = {}
        for line, comment in comments.items():
            match = find_noqa(comment)
            if match is not None:
                self.by_line[line] = LineNoqa(line, comment, listed_codes(match))

    def exempts(self, code: str) -> bool:
        """Whether the file-level exemption covers `code`."""
        return self.exempt is not None and code.startswith(self.exempt)

    def suppressed(self, line: int, code: str) -> bool:
        """Whether a finding of `code` reported at `line` is silenced; records the codes that did it."""
        if self.exempts(code):
            return True
        for candidate in dict.fromkeys((line, self.statement_starts.get(line, line))):
            noqa = self.by_line.get(candidate)
            if noqa is not None and noqa.suppresses(code):
                return True
        return False

    def unused(self, counts: Callable[[str], bool]) -> Iterator[tuple[LineNoqa, list[str]]]:
        """Each comment with listed codes that suppressed nothing, for the codes `counts` accepts."""
        for noqa in self.by_line.values():
            if noqa.codes is None:
                continue
            unused = [code for code in noqa.codes if code not in noqa.used and counts(code)]
            if unused:
                yield noqa, unused


def without_codes(comment: str, codes: Iterable[str]) -> str:
    """The comment with `codes` taken out of its `# noqa: ...`; "" when nothing else is left."""
    match = find_noqa(comment)
    if match is None:
        return comment
    dropped = set(codes)
    kept = [code for code in listed_codes(match) or [] if code not in dropped]
    before, after = comment[: match.start()].rstrip(), comment[match.end() :].strip()
    directive = f"# noqa: {', '.join(kept)}" if kept else ""
    if directive:
        return " ".join(part for part in (before, directive, after) if part)
    if before:
        return f"{before}  {after}".rstrip() if after else before
    if after:
        return after if after.startswith("#") else f"# {after.lstrip('-: ')}".rstrip()
    return ""
