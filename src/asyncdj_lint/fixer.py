"""`--fix` and `--diff`: applies the findings' fixes to the files, in rounds, and writes them safely.

Findings are reported first (with the fixes the rules computed while they
looked); a file's eligible fixes are applied by `fixes.apply_fixes`, the file
is linted again in memory, and the fixes that overlapped wait for that next
round, until nothing changes or `MAX_ROUNDS` is reached. A fixed file is
parsed again before it is written, written through a temporary file renamed
over it in the same folder (keeping its permissions, encoding, BOM and line
endings), and left alone if it changed on disk since it was read.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asyncdj_lint import parse_guard
from asyncdj_lint.api import LintSession, resolve_options
from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.fixes import ResolvedFix, Safety, apply_fixes
from asyncdj_lint.options import LintOptions
from asyncdj_lint.sources import ChangedOnDisk, replace_atomically

# Rounds per file: fixes that overlap wait for the next one; past this, what remains is reported.
MAX_ROUNDS = 4


@dataclass(frozen=True)
class FixPolicy:
    """Which fixes apply: ruff's `--unsafe-fixes`, `fixable` and `unfixable` (codes or prefixes)."""

    unsafe: bool = False
    fixable: tuple[str, ...] = ()  # empty: every code
    unfixable: tuple[str, ...] = ()

    def code_fixable(self, code: str) -> bool:
        if any(code.startswith(prefix) for prefix in self.unfixable):
            return False
        return not self.fixable or any(code.startswith(prefix) for prefix in self.fixable)

    def applies(self, diagnostic: Diagnostic) -> bool:
        """Whether this run would apply the finding's fix."""
        fix = diagnostic.fix
        if fix is None or not self.code_fixable(diagnostic.code):
            return False
        return fix.safety is Safety.SAFE or self.unsafe

    def hidden(self, diagnostic: Diagnostic) -> bool:
        """Whether the finding has a fix that only `--unsafe-fixes` would apply."""
        fix = diagnostic.fix
        return (
            fix is not None
            and fix.safety is Safety.UNSAFE
            and not self.unsafe
            and self.code_fixable(diagnostic.code)
        )


@dataclass
class FileFix:
    """One file's fixing: its text before and after, and the codes of the fixes applied."""

    path: str
    before: str
    after: str
    fixed: Counter[str] = field(default_factory=Counter)

    def diff(self) -> str:
        """A unified diff of the file, as `ruff --diff` prints it."""
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=self.path,
            tofile=self.path,
        )
        return "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
        )


@dataclass
class FixRun:
    """What `fix_paths` did: the changed files, and the ones it refused to write."""

    files: list[FileFix] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "path: why it was left unchanged"

    @property
    def fixed(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for file in self.files:
            total.update(file.fixed)
        return total


def fix_paths(
    paths: Sequence[Path],
    options: LintOptions,
    diagnostics: Sequence[Diagnostic],
    policy: FixPolicy,
    *,
    write: bool,
) -> FixRun:
    """Applies the fixes of `diagnostics` (a lint of `paths` with `options`) that `policy` allows.

    With `write`, each changed file is replaced on disk; else nothing is written
    (`--diff`). The session that re-lints each fixed text in memory shares one
    project index.
    """
    run = FixRun()
    by_path: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if policy.applies(diagnostic):
            by_path.setdefault(diagnostic.path, []).append(diagnostic)
    if not by_path:
        return run
    options = resolve_options(paths, options)
    assert options.root is not None
    session = LintSession(options, [Path(path) for path in by_path])
    root = options.root.resolve()
    for path, found in by_path.items():
        target = Path(path).resolve()
        if write and not target.is_relative_to(root):
            run.problems.append(f"{path}: left unchanged: it is a link to {target}, outside the project")
            continue
        file = _fix_file(session, Path(path), found, policy, run)
        if file is None:
            continue
        if write and not _write(Path(path), file, run):
            continue
        run.files.append(file)
    return run


@dataclass(frozen=True)
class _Read:
    data: bytes
    encoding: str
    text: str
    newline: str


def _read(path: Path) -> _Read:
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return _Read(data, encoding, text, _newline(text))


def _newline(text: str) -> str:
    """The file's line ending: CRLF when most of its lines end so."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


_LONE_LF = re.compile(r"(?<!\r)\n")


def fix_source(
    path: Path, text: str, options: LintOptions, diagnostics: Sequence[Diagnostic], policy: FixPolicy
) -> FileFix:
    """Applies the fixes of `diagnostics` (a lint of `text` given as the file `path`) to `text`:
    `--fix` on standard input. The rounds are `fix_paths`'; nothing is read from or written to disk,
    and the result's `after` is `text` itself when nothing applies."""
    found = [d for d in diagnostics if policy.applies(d)]
    if not found:
        return FileFix(str(path), text, text)
    options = resolve_options([path], options)
    return _fix_text(LintSession(options, [path]), path, text, _newline(text), found, policy)


def _fix_file(
    session: LintSession, path: Path, found: list[Diagnostic], policy: FixPolicy, run: FixRun
) -> FileFix | None:
    try:
        read = _read(path)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as error:
        run.problems.append(f"{path}: left unchanged: cannot be read: {error}")
        return None
    result = _fix_text(session, path, read.text, read.newline, found, policy)
    return None if result.after == read.text else result


def _fix_text(
    session: LintSession, path: Path, text: str, newline: str, found: list[Diagnostic], policy: FixPolicy
) -> FileFix:
    result = FileFix(str(path), text, text)
    fixes: list[ResolvedFix] = [d.fix for d in found if d.fix is not None]
    codes = {id(d.fix): d.code for d in found}
    for _ in range(MAX_ROUNDS):
        if not fixes:
            break
        applied = apply_fixes(result.after, fixes)
        if applied.source == result.after:
            break
        fixed = applied.source
        if newline == "\r\n":
            fixed = _LONE_LF.sub("\r\n", fixed)
        result.after = fixed
        result.fixed.update(codes[id(fix)] for fix in applied.applied)
        # Positions moved: lint the new text again for the fixes that waited.
        again = session.lint([path], stdin=fixed).diagnostics
        eligible = [d for d in again if policy.applies(d)]
        fixes = [d.fix for d in eligible if d.fix is not None]
        codes = {id(d.fix): d.code for d in eligible}
    return result


def _write(path: Path, file: FileFix, run: FixRun) -> bool:
    """Replaces the file with the fixed text; False (and a problem noted) when it must not be."""
    try:
        read = _read(path)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as error:
        run.problems.append(f"{path}: left unchanged: cannot be read: {error}")
        return False
    if read.text != file.before:
        run.problems.append(f"{path}: left unchanged: it changed on disk while it was being fixed")
        return False
    data = file.after.encode(read.encoding)
    import libcst as cst  # only when a fix is written: an unchanged run imports no LibCST

    try:
        parse_guard.parse_module(data)
    except (cst.ParserSyntaxError, RecursionError):
        run.problems.append(f"{path}: left unchanged: the fixed text does not parse")
        return False
    except parse_guard.NestingError as error:  # a time or stack limit, not a syntax error
        run.problems.append(f"{path}: left unchanged: the fixed text could not be parsed again: {error}")
        return False
    try:
        replace_atomically(path.resolve(), data, expected=read.data)
    except ChangedOnDisk:
        run.problems.append(f"{path}: left unchanged: it changed on disk while it was being fixed")
        return False
    except OSError as error:
        run.problems.append(f"{path}: left unchanged: cannot write it: {error.strerror or error}")
        return False
    return True
