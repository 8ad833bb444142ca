"""Parses a module with LibCST without letting a pathological file crash the process.

LibCST's native parser recurses once per nesting level and per link of a
chain (`elif`, `or`, `+`, `.attr()`), on the C stack, and a deep enough file
overflows it: a segmentation fault, the whole run lost. Two guards:

- A cheap scan of the bracket depth first: CPython's own tokenizer refuses
  more than 200 nested brackets ("too many nested parentheses"), so a deeper
  file is not valid Python anywhere, and LibCST's time on nested brackets
  grows steeply with the depth (5,000 nested lists take minutes and
  gigabytes). Strings and comments are skipped, so brackets inside them do
  not count.
- The parse itself runs in a thread with a large stack (reserved virtual
  memory, committed only as used), so a long but valid chain (a 10,000-branch
  `elif`, an 8,000-term `or`) parses instead of crashing. A file small enough
  cannot hold a chain longer than that stack allows; a larger one (rare) is
  first parsed in a child process, which may die alone: if it does, the file
  is reported as too deeply nested instead of parsed. So is a file with a
  line over 4,000 bytes or a chain formatted over 300 lines, on which
  LibCST's time grows with the square of the chain; the child gets
  PROBE_SECONDS.

Both cost little on ordinary files: the scan is a regular expression and a
running sum over the brackets, and starting a thread takes microseconds.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Callable
from itertools import accumulate
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import libcst as cst

MAX_BRACKET_DEPTH = 200  # CPython's tokenizer limit (MAXLEVEL in Parser/tokenizer.h)
# Bytes of C stack LibCST may use: about 1.5 KB per nesting level or chain link, so 512 MB
# holds a chain of some 300,000 links; a file below _PROBED_BYTES holds at most half as many
# (`1+1+...` takes two bytes a link). Larger files are parsed in a child process first.
_STACK_SIZE = 512 * 1024 * 1024
_PROBED_BYTES = 300_000
_LONG_LINE = re.compile(rb"[^\n]{4000}")  # a line this long is data, or a chain LibCST is slow on
# 300 lines in a row that continue a chain (`.filter()`, `+ x`, `or y`), formatted one link a line.
_LONG_CHAIN = re.compile(rb"(?:\n[ \t]*(?:[.+*/|&%@-]|or\b|and\b)[^\n]*){300}")
PROBE_SECONDS = 10

# Strings (with any prefix, triple-quoted or not) and comments, whose brackets do not nest.
_NOT_CODE = re.compile(
    rb'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)'
    rb"|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)"
    rb'|"(?:[^"\\\r\n]|\\.)*"'
    rb"|'(?:[^'\\\r\n]|\\.)*'"
    rb"|#[^\r\n]*",
    re.DOTALL,
)
T = TypeVar("T")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"()[]{}")
_DEPTH_STEP = {ord("("): 1, ord("["): 1, ord("{"): 1, ord(")"): -1, ord("]"): -1, ord("}"): -1}


class NestingError(Exception):
    """The file nests deeper, or is larger, than any Python parser accepts."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


TOO_DEEP = "too deeply nested to analyse (Python's recursion limit in asyncdj-lint)"


def describe(error: BaseException) -> str:
    """`Type: message`, also for an error whose message cannot be built (a deep node's repr)."""
    try:
        text = str(error)
    except RecursionError:
        text = "(message too deeply nested to print)"
    return f"{type(error).__name__}: {text}"[:_MESSAGE_CHARS]


_MESSAGE_CHARS = 2_000


def literal_value(
    node: cst.SimpleString | cst.ConcatenatedString | cst.Integer | cst.Float | cst.Imaginary,
) -> object:
    """A literal's value, or None when Python cannot build it (`"\\N{nope}"`, 5,000 digits)."""
    try:
        return node.evaluated_value
    except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError):
        return None


def bracket_depth(source: bytes) -> int:
    """The deepest bracket nesting in `source`'s code (outside strings and comments)."""
    brackets = source.translate(None, _NOT_BRACKETS)
    if len(brackets) <= MAX_BRACKET_DEPTH:  # the common case: too few brackets to matter
        return _max_depth(brackets)
    return _max_depth(_NOT_CODE.sub(b"", source).translate(None, _NOT_BRACKETS))


def _max_depth(brackets: bytes) -> int:
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def check(source: bytes) -> None:
    """Raises NestingError when `source` is too deep or too large to parse safely."""
    if bracket_depth(source) > MAX_BRACKET_DEPTH:
        raise NestingError(f"too many nested parentheses (more than {MAX_BRACKET_DEPTH} levels)")


def parse_module(source: bytes | str) -> cst.Module:
    """`libcst.parse_module(source)`, guarded: raises NestingError instead of crashing."""
    import libcst as cst  # imported when a file is first parsed: not by a run that parses none

    data = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
    check(data)
    if len(data) > _PROBED_BYTES or _LONG_LINE.search(data) or _LONG_CHAIN.search(data):
        _probe(data)
    return run_deep(lambda: cst.parse_module(source))


def _probe(source: bytes) -> None:
    """Parses `source` in a child process first; NestingError if it dies or takes too long.

    LibCST's parse time grows with the square of a chain's length on one line
    (2,000 `.f()` calls: 21 s), and a large enough file may exhaust even the
    big stack: such files are rare, and only they pay for a second process.
    """
    try:
        child = subprocess.run(
            [sys.executable, "-c", _PROBE],
            input=source,
            capture_output=True,
            check=False,
            timeout=PROBE_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise NestingError(f"too complex to parse within {PROBE_SECONDS} seconds") from None
    if child.returncode < 0:
        raise NestingError("too deeply nested to parse (LibCST's parser ran out of stack)")


_PROBE = (
    "import sys; from asyncdj_lint import parse_guard as g; import libcst as c\n"
    "data = sys.stdin.buffer.read()\n"
    "try: g.run_deep(lambda: c.parse_module(data))\n"
    "except Exception: pass"
)


def run_deep(call: Callable[[], T]) -> T:
    """`call()` in a thread with a large stack and a raised recursion limit.

    Parsing, summarising, walking and locating findings in a deeply nested
    tree recurse once or more per level (LibCST's code generation does); there
    they end in a RecursionError, which the caller can report, before the
    stack runs out. A call made from such a thread runs directly.
    """
    if getattr(_DEEP, "active", False):
        return call()
    outcome: list[T | BaseException] = []

    def run() -> None:
        _DEEP.active = True
        try:
            outcome.append(call())
        except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread
            outcome.append(error)

    with _STACK_LOCK:
        previous_stack = threading.stack_size(_STACK_SIZE)
        previous_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous_limit, _RECURSION_LIMIT))
        try:
            thread = threading.Thread(target=run, name="asyncdj-lint-deep", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous_stack)
        thread.join()
        sys.setrecursionlimit(previous_limit)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


_DEEP = threading.local()
# Python frames that a 512 MB stack holds even when each goes through C code (a
# RecursionError comes first: measured with 256 MB), about 10,000 levels of LibCST code generation.
_RECURSION_LIMIT = 50_000
_STACK_LOCK = threading.Lock()
