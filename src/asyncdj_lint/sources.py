"""Files as bytes and trees: reading and parsing one file, and what stops a file from parsing.

The bottom layer of the package: it imports only parse_guard, beside it.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from asyncdj_lint import parse_guard


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
