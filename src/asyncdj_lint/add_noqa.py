"""`--add-noqa`: writes `# noqa: CODE` on each line that has findings, keeping codes already there.

A file is written only if it still parses after the edit. A line that ends
inside a multi-line string, or with a backslash continuation, cannot carry a
comment and is left alone (and counted as skipped).
"""

from __future__ import annotations

import io
import tokenize
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from asyncdj_lint import parse_guard
from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.lines import split_lines
from asyncdj_lint.noqa import find_noqa, listed_codes
from asyncdj_lint.sources import replace_atomically


@dataclass
class NoqaEdits:
    added: int = 0  # lines that got a new or longer noqa comment
    files: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)  # "path:line: why"


def add_noqa(diagnostics: Sequence[Diagnostic], root: Path | None = None) -> NoqaEdits:
    """Adds the comments; a file that resolves outside `root` (through a symlink) is left alone."""
    by_file: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for d in diagnostics:
        if d.code != "ADJ001":  # a file that does not parse cannot hold a comment usefully
            by_file[d.path][d.line].add(d.code)
    edits = NoqaEdits()
    for path, codes_by_line in by_file.items():
        target = Path(path).resolve()
        if root is not None and not target.is_relative_to(root.resolve()):
            edits.skipped.append(f"{path}: left unchanged: it is a link to {target}, outside the project")
            continue
        _edit_file(Path(path), target, codes_by_line, edits)
    return edits


def _edit_file(path: Path, target: Path, codes_by_line: dict[int, set[str]], edits: NoqaEdits) -> None:
    try:
        data = target.read_bytes()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (OSError, UnicodeDecodeError, SyntaxError, LookupError) as error:
        edits.skipped.append(f"{path}: cannot be read: {error}")
        return
    lines = split_lines(text, keepends=True)
    uncommentable, comments = _comment_layout(text)
    changed = 0
    for number, codes in sorted(codes_by_line.items()):
        if number in uncommentable or not 0 < number <= len(lines):
            edits.skipped.append(f"{path}:{number}: the line cannot carry a comment")
            continue
        new_line = _with_noqa(lines[number - 1], codes, comments.get(number))
        if new_line != lines[number - 1]:
            lines[number - 1] = new_line
            changed += 1
    if not changed:
        return
    new_text = "".join(lines)
    try:
        parse_guard.parse_module(new_text.encode(encoding))
    except (cst.ParserSyntaxError, parse_guard.NestingError, RecursionError):
        edits.skipped.append(f"{path}: left unchanged: adding noqa comments would break its syntax")
        return
    try:
        replace_atomically(target, new_text.encode(encoding))
    except OSError as error:
        edits.skipped.append(f"{path}: left unchanged: cannot write it: {error.strerror}")
        return
    edits.added += changed
    edits.files.add(str(path))


def _with_noqa(line: str, codes: set[str], comment_at: int | None) -> str:
    """`line` with a noqa comment for `codes`; `comment_at` is where its comment token starts
    (a `# noqa` inside a string literal is text, not a comment)."""
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    existing = find_noqa(body[comment_at:]) if comment_at is not None else None
    if existing is None or comment_at is None:
        return f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}{ending}"
    present = listed_codes(existing)
    if present is None:
        return line  # a bare noqa comment already silences every code
    missing = sorted(code for code in codes if not any(code.startswith(p) for p in present))
    if not missing:
        return line
    merged = f"# noqa: {', '.join(present + missing)}"
    start, end = comment_at + existing.start(), comment_at + existing.end()
    return body[:start] + merged + body[end:] + ending


def _comment_layout(text: str) -> tuple[set[int], dict[int, int]]:
    """Lines that end inside a multi-line string token or with a backslash continuation, and
    the column where each line's comment starts."""
    lines: set[int] = set()
    comments: dict[int, int] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.start[1]
            elif token.end[0] > token.start[0] and token.type not in (tokenize.NEWLINE, tokenize.NL):
                lines.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError):
        return set(range(1, len(split_lines(text)) + 2)), {}
    for number, line in enumerate(split_lines(text), 1):
        if line.rstrip().endswith("\\"):
            lines.add(number)
    return lines, comments


def line_with_noqa(text: str, number: int, code: str) -> str | None:
    """Line `number` of `text` (without its ending) with `code` added to its noqa comment;
    None when the line cannot carry a comment. For an editor's code action."""
    lines = split_lines(text, keepends=True)
    uncommentable, comments = _comment_layout(text)
    if number in uncommentable or not 0 < number <= len(lines):
        return None
    return _with_noqa(lines[number - 1], {code}, comments.get(number)).rstrip("\r\n")
