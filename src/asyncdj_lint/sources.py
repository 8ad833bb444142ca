"""Files as bytes and trees: reading and parsing one file, and what stops a file from parsing.

The bottom layer of the package: it imports nothing of asyncdj_lint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import libcst as cst


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
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return ParseProblem(file.display, error.message, error.raw_line, error.raw_column + 1)
    except (OSError, UnicodeDecodeError, LookupError, SyntaxError, RecursionError, ValueError) as error:
        return ParseProblem(file.display, f"{type(error).__name__}: {error}")
    return ParsedFile(file, source, module)


def syntax_problem(file: SourceFile, source: bytes) -> ParseProblem | None:
    """Checks that a file no rule needs to walk is valid Python, with the built-in compiler.

    Such a file is never parsed by LibCST, so this is its only parse.
    """
    try:
        compile(source, file.display, "exec", dont_inherit=True, flags=_ONLY_AST)
    except SyntaxError as error:
        # The compiler gives no line or column (or -1) for some decoding errors.
        return ParseProblem(file.display, error.msg, max(error.lineno or 1, 1), max(error.offset or 1, 1))
    except (ValueError, RecursionError, MemoryError) as error:
        return ParseProblem(file.display, f"{type(error).__name__}: {error}")
    return None


_ONLY_AST = 0x400  # ast.PyCF_ONLY_AST: check the syntax without compiling to bytecode
