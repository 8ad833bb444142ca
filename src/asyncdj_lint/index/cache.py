"""Per-file summaries cached on disk by content hash, so a repeat run parses only changed files.

The index reads every module of the project (models, managers and helpers live
in files that a pre-commit run or an editor does not pass), but a summary is a
pure function of a file's bytes and whether it is a package, so it is cached
under that key in `.asyncdj-lint-cache/` at the project root; the folder
ignores itself in git, as ruff's cache does.

Summaries are pickled, so fields added to the summary dataclasses need no
change here; the cache file's name holds a hash of this package's own source,
so any change to the code that builds summaries starts a fresh cache.

Unpickling runs code, and the cache folder sits in a checkout that may come
from someone else (a pull request's branch in CI). So each file is signed with
a key kept outside the project, in the user's cache folder, and a file whose
signature does not match this machine's key is never unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.sources import ParseProblem

if TYPE_CHECKING:  # imported lazily: a run whose results are all cached imports no LibCST
    from asyncdj_lint.index.summary import ModuleSummary

CACHE_DIR = ".asyncdj-lint-cache"
_PACKAGE_DIR = Path(__file__).resolve().parents[1]
_SIGNATURE_SIZE = 32
# What a cache file written by another version or a crashed run can raise when loaded.
_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError)


def user_cache_dir() -> Path:
    """This user's asyncdj-lint folder under XDG_CACHE_HOME (or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "asyncdj-lint"


@cache
def signing_key() -> bytes | None:
    """This user's key for cache files, made on first use; None if it cannot be kept."""
    key_file = user_cache_dir() / "cache-key"
    try:
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(secrets.token_bytes(32))
        key = key_file.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


def _signature(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


@cache
def code_version() -> str:
    """A hash of asyncdj_lint's own source and of the Python version that pickles."""
    digest = hashlib.blake2b(sys.version.encode(), digest_size=8)
    for source in sorted(_PACKAGE_DIR.rglob("*.py")):
        digest.update(source.relative_to(_PACKAGE_DIR).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def content_key(source: bytes, is_package: bool) -> str:
    return hashlib.blake2b(source, digest_size=16, person=b"package" if is_package else b"module").hexdigest()


class SummaryCache:
    """Summaries by content key, loaded from one file under the root and saved back to it."""

    def __init__(self, root: Path) -> None:
        self.file = root / CACHE_DIR / f"summaries-{code_version()}.pickle"
        self.entries: dict[str, ModuleSummary] = self._load()
        self.used: set[str] = set()
        self.added = 0

    def _load(self) -> dict[str, ModuleSummary]:
        entries = read_signed(self.file)
        return entries if isinstance(entries, dict) else {}

    def get(self, source: bytes, is_package: bool) -> ModuleSummary | None:
        key = content_key(source, is_package)
        summary = self.entries.get(key)
        if summary is not None:
            self.used.add(key)
        return summary

    def put(self, source: bytes, is_package: bool, summary: ModuleSummary) -> None:
        self.add(content_key(source, is_package), summary)

    def add(self, key: str, summary: ModuleSummary) -> None:
        self.entries[key] = summary
        self.used.add(key)
        self.added += 1

    def save(self, limit: int) -> None:
        """Writes back what this run added, atomically, keeping at most `limit` entries.

        The entries this run used come first, then older ones (still valid for
        files this run did not need), so summaries of old file contents drop out.
        """
        if not self.added:
            return
        kept = {entry: self.entries[entry] for entry in self.used}
        for entry, summary in self.entries.items():
            if len(kept) >= limit:
                break
            kept.setdefault(entry, summary)
        if write_signed(self.file, kept):
            self.added = 0


def read_signed(file: Path) -> object:
    """What `write_signed` stored in `file`, or None when it is missing, damaged or not ours."""
    key = signing_key()
    try:
        data = file.read_bytes() if key and not file.parent.is_symlink() else b""
        signature, payload = data[:_SIGNATURE_SIZE], data[_SIGNATURE_SIZE:]
        if not key or not hmac.compare_digest(signature, _signature(key, payload)):
            return None  # not written by this user on this machine: never unpickled
        return pickle.loads(payload)
    except _UNREADABLE:
        return None


def write_signed(file: Path, value: object) -> bool:
    """Pickles and signs `value` into `file` atomically; older versions' files of its kind go.

    Files are named `<kind>-<code version>.pickle`. False when it cannot be
    written: a read-only checkout is still linted, only without a cache.
    """
    key = signing_key()
    if key is None:
        return False
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        _prepare_folder(file)
        with tempfile.NamedTemporaryFile(dir=file.parent, delete=False, suffix=".tmp") as stream:
            stream.write(_signature(key, payload) + payload)
        os.replace(stream.name, file)
    except OSError:
        return False
    return True


def _prepare_folder(file: Path) -> None:
    """Makes the cache folder; a folder or `.gitignore` that is a link (committed, or planted)
    is not followed: the run then keeps no cache rather than write or delete outside the tree."""
    folder = file.parent
    folder.mkdir(exist_ok=True)
    if folder.is_symlink():
        raise OSError(f"{folder} is a link")
    ignore = folder / ".gitignore"
    if not ignore.exists() and not ignore.is_symlink():
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        with os.fdopen(os.open(ignore, flags, 0o644), "w") as stream:
            stream.write("# Created by asyncdj-lint automatically.\n*\n")
    kind = file.name.split("-", 1)[0]
    for old in folder.glob(f"{kind}-*.pickle"):
        if old != file:
            old.unlink(missing_ok=True)


# A file's findings, and the problem (ADJ001) that kept it from being parsed, if any.
CachedOutcome = tuple[list[Diagnostic], ParseProblem | None]


@dataclass(frozen=True)
class FileState:
    """What a run saw of one file: its size and modification time stand for its content key."""

    size: int
    mtime_ns: int
    key: str


@dataclass
class RunRecord:
    """What runs with one set of options learnt, for the next run. Paths are relative to the root."""

    settings: str
    files: dict[str, FileState] = field(default_factory=dict)
    # path -> (content key, that content's outcome)
    outcomes: dict[str, tuple[str, CachedOutcome]] = field(default_factory=dict)
    # path -> {"f", "C" or "C.method": digest of that code} for the code analyses read
    # in a file's bodies while linting any file (ResultCache's callers make the digests).
    followed: dict[str, dict[str, str | None]] = field(default_factory=dict)
    # path -> {word: whether its source holds it}, as the index asked (ProjectIndex.mentions).
    asked: dict[str, dict[str, bool]] = field(default_factory=dict)
    # Files whose module summaries the index read.
    summarised: set[str] = field(default_factory=set)
    # The template folders the index found, and (path, "size:mtime") of each template in them
    # and of each deployment file (the files besides Python's that findings depend on).
    template_folders: list[str] = field(default_factory=list)
    templates: list[tuple[str, str]] = field(default_factory=list)


def template_fingerprint(folders: list[str]) -> list[tuple[str, str]]:
    """(path, "size:mtime") of every file in the template folders."""
    found = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                stat = path.stat()
                found.append((str(path), f"{stat.st_size}:{stat.st_mtime_ns}"))
    return found


class ResultCache:
    """Each file's lint outcome, kept while what it depends on is unchanged.

    Files are named by their path relative to the project root, so runs that
    name the same tree differently (an absolute path, a relative one, `.`)
    share outcomes. A file whose size and modification time match the record
    is taken as unchanged without being read; only the others are read and
    hashed (`changed()`).

    A file's findings depend on its own content and on what the index and the
    analyses read of other files: module summaries (names, classes, models,
    managers, settings), which words a source holds, and function bodies. So
    after some files change, the other files' outcomes stay valid when the set
    of files is the same and, for every changed file, every word looked for in it is still present or still
    absent, its summary is unchanged, and so is the code of each function or
    class whose body an analysis read in it (`keep_others()` is told so). Else
    every outcome is dropped. Options and this package's code are part of the
    key: any change to them starts afresh.
    """

    def __init__(self, root: Path, settings: str) -> None:
        self.root = root
        self.file = root / CACHE_DIR / f"results-{code_version()}.pickle"
        stored = read_signed(self.file)
        valid = isinstance(stored, RunRecord) and stored.settings == settings
        self.record: RunRecord = stored if isinstance(stored, RunRecord) and valid else RunRecord(settings)
        self.previous: dict[str, FileState] = dict(self.record.files)  # as the last run left them
        self.added = 0

    def relative(self, path: Path) -> str:
        try:
            return os.path.relpath(path.absolute(), self.root)
        except ValueError:  # another drive on Windows
            return str(path.absolute())

    def changed(
        self, paths: list[Path], read: Callable[[Path], bytes], is_package: Callable[[Path], bool]
    ) -> dict[str, FileState | None]:
        """The files whose content differs from the record (None: removed), noting the new states.

        A file added since the record counts as changed.
        """
        current: dict[str, FileState] = {}
        changes: dict[str, FileState | None] = {}
        known = self.record.files
        for path in paths:
            name = self.relative(path)
            old = known.get(name)
            try:
                stat = path.stat()
                if old is not None and old.size == stat.st_size and old.mtime_ns == stat.st_mtime_ns:
                    current[name] = old
                    continue
                state = FileState(stat.st_size, stat.st_mtime_ns, content_key(read(path), is_package(path)))
            except OSError:
                state = FileState(-1, -1, "unreadable")
            current[name] = state
            if old is None or old.key != state.key:
                changes[name] = state
        changes.update({name: None for name in known.keys() - current.keys()})
        self.record.files = current
        if changes:
            self.added += 1
        return changes

    def previous_key(self, name: str) -> str | None:
        """The content key the last run recorded for a file."""
        old = self.previous.get(name)
        return old.key if old is not None else None

    def keep_others(self, keep: bool) -> None:
        """Whether the outcomes of unchanged files survive the changes `changed()` found."""
        if not keep:
            self.record = RunRecord(self.record.settings, self.record.files)
            self.added += 1

    def templates_now(self, folders: list[str], fingerprint: list[tuple[str, str]]) -> None:
        """The templates and deployment files as they are now; when they changed, every outcome is dropped."""
        if (folders, fingerprint) != (self.record.template_folders, self.record.templates):
            self.keep_others(False)
            self.record.template_folders, self.record.templates = folders, fingerprint
            self.added += 1

    def get(self, path: Path, key: str) -> CachedOutcome | None:
        """The outcome recorded for this file's content, or None."""
        found = self.record.outcomes.get(self.relative(path))
        return found[1] if found is not None and found[0] == key else None

    def put(self, path: Path, key: str, outcome: CachedOutcome) -> None:
        self.record.outcomes[self.relative(path)] = (key, outcome)
        self.added += 1

    def learnt(
        self,
        followed: dict[Path, dict[str, str | None]],
        asked: dict[Path, dict[str, bool]],
        summarised: set[Path],
    ) -> None:
        """What the index and analyses read of files during this run."""
        names = {self.relative(path) for path in summarised}
        if not names <= self.record.summarised:
            self.record.summarised |= names
            self.added += 1
        for path, code in followed.items():
            digests = self.record.followed.setdefault(self.relative(path), {})
            if any(digests.get(name, "") != digest for name, digest in code.items()):
                digests.update(code)
                self.added += 1
        for path, words in asked.items():
            answers = self.record.asked.setdefault(self.relative(path), {})
            if words.keys() - answers.keys():
                answers.update(words)
                self.added += 1

    def save(self) -> None:
        if self.added and write_signed(self.file, self.record):
            self.added = 0
