"""Files as bytes and trees: reading and parsing one file, and what stops a file from parsing.

The bottom layer of the package: it imports only parse_guard and lines, beside it.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst

from asyncdj_lint import parse_guard
from asyncdj_lint.lines import split_lines


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str  # dotted module name
    is_package: bool

    @property
    def display(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class ParseProblem:
    """Why a file could not be read, decoded or parsed; the session reports it as ADJ001."""

    path: str  # as displayed
    message: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class ParsedFile:
    file: SourceFile
    source: bytes
    module: cst.Module


def parse(file: SourceFile, source: bytes | None = None) -> ParsedFile | ParseProblem:
    """Reads (unless `source` is given) and parses one file."""
    import libcst as cst  # imported when a file is first parsed: not by a run that parses none

    try:
        source = file.path.read_bytes() if source is None else source
        module = parse_guard.parse_module(source)
    except parse_guard.NestingError as error:
        return ParseProblem(file.display, error.message, error.line, error.column)
    except cst.ParserSyntaxError as error:
        return ParseProblem(file.display, error.message, error.raw_line, error.raw_column + 1)
    except (OSError, UnicodeDecodeError, LookupError, SyntaxError, RecursionError, ValueError) as error:
        return ParseProblem(file.display, f"{type(error).__name__}: {error}")
    return ParsedFile(file, source, module)


def syntax_problem(file: SourceFile, source: bytes) -> ParseProblem | None:
    """Checks that a file no rule needs to walk is valid Python, by LibCST's grammar.

    The verdict and the message are LibCST's, as for the files rules walk, so
    they depend neither on `--select` nor on the Python the tool runs on. The
    running Python's compiler only accepts fast: each grammar up to 3.14 is a
    subset of LibCST's, so what it accepts, LibCST accepts too.
    """
    if sys.version_info < (3, 15):
        try:
            compile(source, file.display, "exec", dont_inherit=True, flags=_ONLY_AST)
            return None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass  # maybe newer syntax than this Python's (PEP 695, 701, 758, t-strings): LibCST decides
    parsed = parse(file, source)
    return parsed if isinstance(parsed, ParseProblem) else None


_ONLY_AST = 0x400  # ast.PyCF_ONLY_AST: check the syntax without compiling to bytecode


class ChangedOnDisk(OSError):
    """The file no longer holds the bytes that were read: someone else wrote it meanwhile."""


def replace_atomically(target: Path, data: bytes, *, expected: bytes | None = None) -> None:
    """Writes a temporary file beside `target` and renames it over it: a kill or a full disk
    leaves the old file whole. The file keeps its permission bits. With `expected`, the file
    is replaced only if it still holds those bytes just before the rename (else ChangedOnDisk)."""
    mode = stat.S_IMODE(target.stat().st_mode)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        if expected is not None and target.read_bytes() != expected:
            raise ChangedOnDisk(f"{target} changed on disk since it was read")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def source_lines(source: bytes) -> list[str]:
    """A file's lines as findings are printed and matched: the one place that splits them."""
    return split_lines(source.decode("utf-8", errors="replace"))


class Sources:
    """The one owner of a run's file bytes and parsed trees.

    Each file is read once and parsed at most once (by LibCST, or by the
    built-in compiler for a syntax check only) while its tree is kept; `reads`
    and `parses` count both per path, so tests can hold a run to that. Trees
    are kept up to a bound, to bound memory on large projects; a tree dropped
    and needed again is parsed again (and counted).
    """

    def __init__(self, kept_trees: int = 1024) -> None:
        self.reads: Counter[Path] = Counter()
        self.parses: Counter[Path] = Counter()
        self._bytes: dict[Path, bytes | OSError] = {}
        self._lines: dict[Path, list[str]] = {}
        self._trees: OrderedDict[Path, ParsedFile | ParseProblem] = OrderedDict()
        self._checked: dict[Path, ParseProblem | None] = {}
        self._kept_trees = kept_trees

    def read(self, path: Path) -> bytes:
        """A file's bytes, read on first use; raises the OSError of that read each time."""
        if path not in self._bytes:
            self.reads[path] += 1
            try:
                self._bytes[path] = path.read_bytes()
            except OSError as error:
                self._bytes[path] = error
        found = self._bytes[path]
        if isinstance(found, OSError):
            raise found
        return found

    def provide(self, path: Path, source: bytes) -> bool:
        """`source` stands for the file at `path` (an editor's buffer); whether it is what the file holds."""
        try:
            if self.read(path) == source:
                return True
        except OSError:
            pass
        self._bytes[path] = source
        self._lines.pop(path, None)
        self._trees.pop(path, None)
        self._checked.pop(path, None)
        return False

    def lines(self, path: Path) -> list[str]:
        """A file's lines (see `source_lines`); none for a file that cannot be read."""
        if path not in self._lines:
            try:
                self._lines[path] = source_lines(self.read(path))
            except OSError:
                self._lines[path] = []
        return self._lines[path]

    def lines_of(self, display: str) -> list[str]:
        """`lines()` of a file named as it is reported."""
        return self.lines(Path(display))

    def parse(self, file: SourceFile) -> ParsedFile | ParseProblem:
        """The file's tree, parsed on first use, or why it cannot be parsed."""
        kept = self._trees.get(file.path)
        if kept is not None and (isinstance(kept, ParseProblem) or kept.file == file):
            self._trees.move_to_end(file.path)
            return kept
        try:
            source = self.read(file.path)
        except OSError as error:
            parsed: ParsedFile | ParseProblem = ParseProblem(file.display, f"{type(error).__name__}: {error}")
        else:
            self.parses[file.path] += 1
            parsed = parse(file, source)
        self._trees[file.path] = parsed
        if len(self._trees) > self._kept_trees:
            self._trees.popitem(last=False)
        return parsed

    def was_parsed(self, path: Path) -> bool:
        return path in self._trees

    def check(self, file: SourceFile) -> ParseProblem | None:
        """Why a file does not parse, from its tree if it has one, else from the compiler alone."""
        kept = self._trees.get(file.path)
        if kept is not None:
            return kept if isinstance(kept, ParseProblem) else None
        if file.path not in self._checked:
            try:
                source = self.read(file.path)
            except OSError as error:
                self._checked[file.path] = ParseProblem(file.display, f"{type(error).__name__}: {error}")
            else:
                self.parses[file.path] += 1
                self._checked[file.path] = syntax_problem(file, source)
        return self._checked[file.path]
