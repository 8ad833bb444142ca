"""Summarises project files, each read once and parsed at most once, and only on demand.

The project index asks for a module's summary only when a name resolves into
that module, so a run parses the files it lints plus the few they import
models from, not the whole project. A summary is read with `ast`; only the
modules whose request-path facts are asked for, and the files rules walk,
are parsed with LibCST.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from asyncdj_lint import parse_guard
from asyncdj_lint.discovery import forget_folders, module_name
from asyncdj_lint.index.cache import SummaryCache, content_key
from asyncdj_lint.index.functions import FunctionDecl
from asyncdj_lint.index.summary import ModuleSummary, SyntaxFacts, read_summary, syntax_facts
from asyncdj_lint.sources import ParsedFile, ParseProblem, SourceFile, Sources

if TYPE_CHECKING:  # LibCST is imported when a file is first parsed
    import libcst as cst


class SourceStore(Mapping[str, ModuleSummary]):
    """Module name -> summary, parsing each file the first time it is needed."""

    def __init__(
        self, paths: list[Path], cache: SummaryCache | None = None, sources: Sources | None = None
    ) -> None:
        self.cache = cache
        # Every file's bytes and tree, for the index, the rules and the formats alike.
        self.sources = Sources() if sources is None else sources
        self.files: dict[str, SourceFile] = {}
        # Every file of the project, including those whose module name another file took.
        self.paths = list(dict.fromkeys(paths))
        forget_folders()
        for path in paths:
            name, is_package = module_name(path)
            # The first file wins when two share a name (separate projects linted together).
            self.files.setdefault(name, SourceFile(path, name, is_package))
        self._summaries: dict[str, ModuleSummary] = {}
        self._keys: dict[str, str | None] = {}  # module name -> its summary's content key
        self.problems: dict[Path, ParseProblem] = {}
        # What this store learnt since `take_news()` last asked: name -> (content key,
        # or None when it came from the cache, and summary), and unparsable files.
        self._news: dict[str, tuple[str | None, ModuleSummary]] = {}
        self._new_problems: dict[Path, ParseProblem] = {}
        # What the index read of files, for the result cache: the words it looked for in
        # sources (with the answer) and the summaries it read.
        self.asked: dict[Path, dict[str, bool]] = {}
        self.summarised: set[Path] = set()  # files whose summaries the index read
        # Answers of `holds`, with the source they were read from (an editor's buffer replaces it).
        self._held: dict[tuple[Path, str], tuple[bytes, bool]] = {}

    def file_for(self, path: Path) -> SourceFile:
        """The store's file for `path` (added if its module is new), or a file of its own when
        another file already has its module name."""
        name, is_package = module_name(path)
        file = SourceFile(path, name, is_package)
        known = self.files.setdefault(name, file)
        return known if known == file or known.path.resolve() == path.resolve() else file

    def parse(self, file: SourceFile, source: bytes | None = None) -> ParsedFile | None:
        """Parses one file with LibCST; None if it cannot be parsed.

        `source`, when given, stands for the file's content on disk (an editor's buffer).
        """
        if source is not None:
            self.sources.provide(file.path, source)
        parsed = self.sources.parse(file)
        if isinstance(parsed, ParseProblem):
            self._unparsable(file, parsed)
            return None
        return parsed

    def _summarize(self, file: SourceFile) -> None:
        """Reads a module's summary with `ast`; its syntax facts come from LibCST when asked."""
        try:
            source: bytes | None = self.sources.read(file.path)
        except OSError:
            source = None
        summary = None
        if source is not None:
            summary = read_summary(source, is_package=file.is_package, tree=lambda: self._tree_of(file))
        if summary is None or source is None:  # unreadable, or not Python to `ast`: reported as
            # LibCST finds it
            self.parse(file)
            summary = self._summaries[file.name] = ModuleSummary(is_package=file.is_package)
            self._bind(file, summary)
            return
        self._summaries[file.name] = summary
        self._bind(file, summary)
        key = self._keys[file.name] = content_key(source, file.is_package)
        self._news[file.name] = (key, summary)
        if self.cache is not None:
            self.cache.add(key, summary)

    def _tree_of(self, file: SourceFile) -> cst.Module | None:
        parsed = self.parse(file)
        return parsed.module if parsed is not None else None

    def _bind(self, file: SourceFile, summary: ModuleSummary) -> None:
        summary.syntax.bind(lambda: self._syntax_facts(file, summary))

    def _syntax_facts(self, file: SourceFile, summary: ModuleSummary) -> SyntaxFacts:
        parsed = self.parse(file)
        facts = SyntaxFacts()
        if parsed is not None:
            try:
                facts = syntax_facts(parsed.module)
            except RecursionError:  # reported on this module, not on the file whose lint read it
                self.too_deep(file)
        # Sent again: whoever keeps the summary learns that its facts were read, and what they say.
        summary.syntax.facts = facts
        self._news[file.name] = (self._keys.get(file.name), summary)
        return facts

    def tree(self, name: str) -> ParsedFile | None:
        """A project module's parsed file (the tree provider of the analyses)."""
        return self.parse(self.files[name]) if name in self.files else None

    def mentions(self, name: str, word: str) -> bool:
        """Whether module `name`'s source holds `word` (for ProjectIndex; see `holds`).

        Asked of the source even when the module is summarised: reading its summary's syntax
        facts may cost a LibCST parse.
        """
        return self.holds(name, word)

    def holds(self, name: str, word: str) -> bool:
        """Whether module `name`'s source holds `word`, read even when it is summarised, recorded
        for the result cache as `mentions` records it."""
        path = self.files[name].path
        try:
            source = self.sources.read(path)
        except OSError:
            source, found = b"", False
        else:
            known = self._held.get((path, word))
            if known is not None and known[0] is source:
                found = known[1]
            else:
                found = holds(source, word)
                self._held[path, word] = (source, found)
        self.asked.setdefault(path, {})[word] = found
        return found

    def functions(self, name: str) -> Mapping[str, FunctionDecl]:
        """Module `name`'s function declarations (`summary.functions`).

        What the result cache asks again of the file is only whether these declarations
        changed, not the whole summary.
        """
        if name not in self._summaries:
            file = self.files[name]
            if not self._from_cache(file):
                self._summarize(file)
            if name in self._summaries:
                found = self._summaries[name].functions
                self.asked.setdefault(file.path, {})[f"{DECLARATIONS}{digest(found)}"] = True
                return found
        return self[name].functions

    def was_parsed(self, file: SourceFile) -> bool:
        return file.name in self._summaries and self.files.get(file.name) == file

    def take_news(self) -> tuple[dict[str, tuple[str | None, ModuleSummary]], dict[Path, ParseProblem]]:
        """The summaries and problems learnt since the last call (a worker sends them home)."""
        news, problems = self._news, self._new_problems
        self._news, self._new_problems = {}, {}
        return news, problems

    def adopt(
        self, news: dict[str, tuple[str | None, ModuleSummary]], problems: dict[Path, ParseProblem]
    ) -> None:
        """Takes in what another process's store learnt about the same project."""
        for name, (key, summary) in news.items():
            known = self._summaries.get(name)
            if known is None and name in self.files:
                known = self._summaries[name] = summary
                self._bind(self.files[name], summary)
            elif known is not None and known.syntax.facts is None:
                known.syntax.facts = summary.syntax.facts  # read in the other process
            if key is not None and self.cache is not None and known is not None:
                self.cache.add(key, known)
        self.problems.update(problems)

    def too_deep(self, file: SourceFile) -> None:
        """Reports a file whose tree nests too deeply to analyse (a RecursionError)."""
        self._unparsable(file, ParseProblem(file.display, parse_guard.TOO_DEEP))

    def _unparsable(self, file: SourceFile, problem: ParseProblem) -> None:
        self.problems[file.path] = self._new_problems[file.path] = problem

    # Mapping protocol, for the project index.
    def __getitem__(self, name: str) -> ModuleSummary:
        self.summarised.add(self.files[name].path)
        if name not in self._summaries and not self._from_cache(self.files[name]):
            self._summarize(self.files[name])
        return self._summaries[name]

    def _from_cache(self, file: SourceFile) -> bool:
        if self.cache is None:
            return False
        try:
            summary = self.cache.get(self.sources.read(file.path), file.is_package)
        except OSError:
            return False
        if summary is not None:
            self._summaries[file.name] = summary
            self._bind(file, summary)
            self._keys[file.name] = None
            self._news[file.name] = (None, summary)
        return summary is not None

    def __contains__(self, name: object) -> bool:
        return name in self.files

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


def holds(source: bytes, word: str) -> bool:
    """Whether `source` may hold `word`, as the index asks (the result cache asks again).

    A word is looked for as bytes; `class Name` asks for a `class` statement that
    may declare `Name` (any whitespace or line continuation between the two):
    a module without one cannot declare that class, and need not be summarised;
    `def name` asks the same of a function, and `async for` for that statement.
    `DECLARATIONS` and a digest asks whether the module's function declarations
    are still those.
    """
    keyword, _, name = word.partition(" ")
    if keyword in _KEYWORD_PHRASES and name:
        return _keyword_phrase(keyword, name).search(source) is not None
    if word.startswith(DECLARATIONS):  # the module's function declarations
        found = read_summary(source, is_package=False)
        return found is not None and digest(found.functions) == word[len(DECLARATIONS) :]
    return word.encode() in source


def digest(functions: Mapping[str, FunctionDecl]) -> str:
    """A fingerprint of declarations, for the result cache to ask whether they changed."""
    return hashlib.sha1(repr(list(functions.values())).encode(), usedforsecurity=False).hexdigest()


@lru_cache(maxsize=1024)
def _keyword_phrase(keyword: str, name: str) -> re.Pattern[bytes]:
    return re.compile(
        rb"\b"
        + keyword.encode()
        + rb"(?:[ \t\f]|\\(?:\r\n|\r|\n))+"
        + re.escape(name.encode())
        + rb"(?![A-Za-z0-9_])"
    )


# `class Name`, `def name` and `async for`: a keyword, then a name after any whitespace.
_KEYWORD_PHRASES = ("class", "def", "async")
DECLARATIONS = "def:"
