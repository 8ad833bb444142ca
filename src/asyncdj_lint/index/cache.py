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
from functools import cache
from pathlib import Path

from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.index.summary import ModuleSummary
from asyncdj_lint.sources import ParseProblem

CACHE_DIR = ".asyncdj-lint-cache"
_PACKAGE_DIR = Path(__file__).resolve().parents[1]
_SIGNATURE_SIZE = 32
# What a cache file written by another version or a crashed run can raise when loaded.
_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError)


def _user_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "asyncdj-lint"


@cache
def signing_key() -> bytes | None:
    """This user's key for cache files, made on first use; None if it cannot be kept."""
    key_file = _user_cache_dir() / "cache-key"
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


class ResultCache:
    """Each file's lint outcome, valid only while the whole project and the options are unchanged.

    A file's findings depend on every file the index reads, so the cache is
    keyed by one fingerprint of all the project's file contents, the options
    and this package's code: any change anywhere starts it afresh. Within it,
    outcomes are kept by file path and content.
    """

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.file = root / CACHE_DIR / f"results-{code_version()}.pickle"
        self.fingerprint = fingerprint
        stored = read_signed(self.file)
        valid = isinstance(stored, tuple) and len(stored) == 2 and stored[0] == fingerprint
        self.entries: dict[str, CachedOutcome] = (
            dict(stored[1]) if isinstance(stored, tuple) and valid else {}
        )
        self.added = 0

    @staticmethod
    def key(display: str, source: bytes) -> str:
        return f"{display}\0{content_key(source, False)}"

    def get(self, key: str) -> CachedOutcome | None:
        return self.entries.get(key)

    def put(self, key: str, outcome: CachedOutcome) -> None:
        self.entries[key] = outcome
        self.added += 1

    def save(self) -> None:
        if self.added and write_signed(self.file, (self.fingerprint, self.entries)):
            self.added = 0


def project_fingerprint(contents: list[tuple[str, str]], settings: str) -> str:
    """One hash of (module name, content key) for every project file, and the run's settings."""
    digest = hashlib.blake2b(settings.encode(), digest_size=16)
    for name, key in sorted(contents):
        digest.update(f"{name}\0{key}\n".encode())
    return digest.hexdigest()
