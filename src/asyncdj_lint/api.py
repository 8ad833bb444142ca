"""`lint_paths`: the one entry point behind the CLI and the flake8 plugin."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from asyncdj_lint import engine, parse_guard
from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.discovery import python_files
from asyncdj_lint.facts.django_version import detect_target_django, project_root
from asyncdj_lint.gitignore import GitIgnore
from asyncdj_lint.index.cache import ResultCache, SummaryCache, content_key, project_fingerprint
from asyncdj_lint.index.project import ProjectIndex
from asyncdj_lint.index.request_path.deployment import deployment_files
from asyncdj_lint.index.store import SourceStore
from asyncdj_lint.index.summary import ModuleSummary
from asyncdj_lint.options import LintOptions
from asyncdj_lint.rules import all_rules
from asyncdj_lint.rules.adj001_unparsable_file import UnparsableFile
from asyncdj_lint.rules.base import Rule
from asyncdj_lint.sources import ParseProblem, SourceFile, syntax_problem
from asyncdj_lint.suppressions import drop_per_file_ignores
from asyncdj_lint.workspace import Exclusion


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    # "path: error" for each file the tool failed on (a bug in asyncdj-lint); the rest was checked.
    internal_errors: list[str] = field(default_factory=list)


def lint_paths(
    paths: Sequence[Path],
    options: LintOptions | None = None,
    *,
    stdin: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LintResult:
    """Lints `paths`; names resolve through every Python file of their project.

    With `stdin`, `paths` is the one file that text stands for (an editor's
    unsaved buffer): it is linted in place of that file's content on disk.
    `progress(done, total)` is called as files are linted.
    """
    options = resolve_options(paths, options or LintOptions())
    targets = list(paths) if stdin is not None else files_to_check(paths, options)
    # Linting the project's root folder lists every project file already.
    whole_project = stdin is None and all(path.resolve() == options.root for path in paths)
    session = LintSession(options, targets, project_files=targets if whole_project else None)
    result = session.lint(targets, stdin=stdin, progress=progress)
    session.save_cache()
    return result


def files_to_check(paths: Sequence[Path], options: LintOptions) -> list[Path]:
    """The files a run over `paths` lints (`--show-files`), minus the exclusions."""
    options = resolve_options(paths, options)
    return list(python_files(paths, _excluder(options), force_exclude=options.force_exclude))


def _excluder(options: LintOptions) -> Callable[[Path], bool]:
    """What leaves a file or folder out: the exclusions, and what git ignores unless told otherwise."""
    excludes = Exclusion(options.exclude, options.root).excludes
    if not options.respect_gitignore:
        return excludes
    ignored = GitIgnore().ignored
    return lambda path: excludes(path) or ignored(path)


def resolve_options(paths: Sequence[Path], options: LintOptions) -> LintOptions:
    """`options` with the project root and the target Django version filled in."""
    root = options.root or project_root(paths)
    return replace(options, root=root, target_django=options.target_django or detect_target_django(root))


class LintSession:
    """One project's files, summaries and index, for one or more lint calls.

    The flake8 plugin keeps a session per project in each process, so the
    files flake8 hands it one at a time share one scan and one index. The
    project's files are assumed not to change while a session lives.
    """

    def __init__(
        self,
        options: LintOptions,
        first: Sequence[Path] = (),
        save_interval: float = 0.0,
        project_files: Sequence[Path] | None = None,
    ) -> None:
        """`project_files`, when the caller has listed them already, saves scanning the root."""
        assert options.root is not None, "resolve_options() first"
        self.options = options
        self.rules = [rule for rule in all_rules() if options.selection.enabled(rule.code, rule.severity)]
        project: Iterable[Path] | None = project_files
        if project is None:
            project = python_files([options.root], _excluder(options))
        # The files linted first come first: when two files share a module name, they win.
        self.store = SourceStore([*first, *project], SummaryCache(options.root) if options.cache else None)
        self.index = ProjectIndex(
            self.store,
            self.store.mentions,
            self.store.tree,
            lambda: [f.path for f in self.store.files.values()],
            root=options.root,
        )
        self.helpers = engine.helper_judge(self.index, options, self.rules)
        self.save_interval = save_interval
        self._last_saved = 0.0

    def lint(
        self,
        targets: Sequence[Path],
        *,
        stdin: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> LintResult:
        options, store = self.options, self.store
        result = LintResult(files_checked=len(targets))
        unwalked: list[tuple[SourceFile, bytes]] = []
        walked: list[tuple[SourceFile, bytes]] = []
        files = [store.file_for(path) for path in targets]
        for file in files:
            try:
                source = file.path.read_bytes() if stdin is None else stdin.encode("utf-8", "surrogateescape")
            except OSError as error:
                result.diagnostics.append(
                    UnparsableFile.diagnostic(file.display, f"{type(error).__name__}: {error}")
                )
                continue
            (walked if any(_may_fire(rule, source) for rule in self.rules) else unwalked).append(
                (file, source)
            )
        results = self._results if stdin is None else None
        pending = [
            (file, source) for file, source in walked if not self._reuse(results, file, source, result)
        ]
        workers = 1 if stdin is not None else _worker_count(len(pending))
        outcomes = (
            self._lint_in_workers(pending, workers) if workers > 1 else (self.lint_file(*w) for w in pending)
        )
        for done, ((file, source), outcome) in enumerate(zip(pending, outcomes), 1):
            result.diagnostics.extend(outcome.diagnostics)
            result.internal_errors.extend(outcome.internal_errors)
            if results is not None and not outcome.internal_errors:
                results.put(
                    ResultCache.key(self._cache_name(file), source),
                    (outcome.diagnostics, store.problems.get(file.path)),
                )
            if progress is not None:
                progress(done + len(targets) - len(pending), len(targets))
        # Files no rule walked still get their syntax checked, unless the index parsed them.
        for file, source in unwalked:
            if store.was_parsed(file) or self._reuse(results, file, source, result):
                continue
            problem = syntax_problem(file, source)
            if problem is not None:
                store.problems[file.path] = problem
            if results is not None:
                results.put(ResultCache.key(self._cache_name(file), source), ([], problem))
        if options.selection.enabled(UnparsableFile.code, UnparsableFile.severity):
            # Only the linted files: one the index read for its names is not reported.
            result.diagnostics.extend(
                unparsable(store.problems[file.path]) for file in files if file.path in store.problems
            )
        result.diagnostics = sorted(
            drop_per_file_ignores(result.diagnostics, options.per_file_ignores, options.root)
        )
        return result

    @cached_property
    def _results(self) -> ResultCache | None:
        """Outcomes of an earlier run over the same project contents and options, if any.

        Computed once per session: its files are assumed not to change meanwhile.
        """
        if not self.options.cache or self.options.root is None:
            return None
        contents = []
        for name, file in self.store.files.items():
            try:
                contents.append((name, content_key(file.path.read_bytes(), file.is_package)))
            except OSError:
                contents.append((name, "unreadable"))
        contents += self.index.templates.fingerprint()  # findings depend on what templates look up
        # How the project is served (ADJ606) is read from its deployment files too.
        for path in deployment_files(self.options.root) if self.options.root is not None else ():
            try:
                contents.append((f"deployment:{path}", content_key(path.read_bytes(), False)))
            except OSError:
                contents.append((f"deployment:{path}", "unreadable"))
        settings = repr((self.options, [rule.code for rule in self.rules]))
        return ResultCache(self.options.root, project_fingerprint(contents, settings))

    def _reuse(
        self, results: ResultCache | None, file: SourceFile, source: bytes, result: LintResult
    ) -> bool:
        """Adds a file's cached outcome to `result`; False when there is none."""
        cached = results.get(ResultCache.key(self._cache_name(file), source)) if results is not None else None
        if cached is None:
            return False
        diagnostics, problem = cached
        # Stored under the path relative to the root: shown as this run names the file.
        result.diagnostics.extend(replace(d, path=file.display) for d in diagnostics)
        if problem is not None:
            self.store.problems[file.path] = replace(problem, path=file.display)
        return True

    def _cache_name(self, file: SourceFile) -> str:
        """The file's path relative to the project root: `.`, `$PWD` and `app/` runs share results."""
        assert self.options.root is not None
        path = file.path.resolve()
        return (
            path.relative_to(self.options.root).as_posix()
            if path.is_relative_to(self.options.root)
            else str(path)
        )

    def lint_file(self, file: SourceFile, source: bytes) -> FileOutcome:
        """One file's findings; an unparsable file's ADJ001 goes to the store's problems."""
        try:
            return parse_guard.run_deep(lambda: self._lint_file(file, source))
        except RecursionError:
            self.store.too_deep(file)
            return FileOutcome([])

    def _lint_file(self, file: SourceFile, source: bytes) -> FileOutcome:
        applicable = [rule for rule in self.rules if _may_fire(rule, source)]
        parsed = self.store.parse(file, source)
        if parsed is None:
            return FileOutcome([])
        try:
            return FileOutcome(
                engine.lint_module(
                    parsed, index=self.index, rules=applicable, options=self.options, helpers=self.helpers
                )
            )
        except RecursionError:
            raise
        except Exception as error:  # noqa: BLE001 - one file's failure must not cost the whole run
            return FileOutcome([], internal_errors=[f"{file.display}: {parse_guard.describe(error)}"])

    def _lint_in_workers(self, walked: list[tuple[SourceFile, bytes]], workers: int) -> Iterator[FileOutcome]:
        """Lints files in worker processes, each holding a session of its own.

        With each file's findings a worker sends back the summaries it made
        meanwhile, so that this session knows which modules were parsed and
        saves them in its cache once, and the unparsable files it met.
        """
        first = [file.path for file, _ in walked]
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        with ProcessPoolExecutor(
            workers, context, initializer=_start_worker, initargs=(self.options, first)
        ) as pool:
            for outcome in pool.map(_worker_lint, walked, chunksize=4):
                self.store.adopt(outcome.summaries, outcome.problems)
                yield outcome

    def save_cache(self) -> None:
        """Writes new summaries to disk, at most every `save_interval` seconds."""
        now = time.monotonic()
        if self.store.cache is not None and now - self._last_saved >= self.save_interval:
            self.store.cache.save(limit=2 * len(self.store) + 100)
            if self._results is not None:
                self._results.save()
            self._last_saved = now


def unparsable(problem: ParseProblem) -> Diagnostic:
    """The ADJ001 finding for a file that could not be read, decoded or parsed."""
    return UnparsableFile.diagnostic(problem.path, problem.message, problem.line, problem.column)


def _may_fire(rule: type[Rule], source: bytes) -> bool:
    return any(text in source for text in rule.requires_text)


@dataclass
class FileOutcome:
    """What linting one file produced; from a worker, also what its store learnt."""

    diagnostics: list[Diagnostic]
    summaries: dict[str, tuple[str | None, ModuleSummary]] = field(default_factory=dict)
    problems: dict[Path, ParseProblem] = field(default_factory=dict)
    internal_errors: list[str] = field(default_factory=list)


# Worker processes pay for their start and for indexing the modules each
# needs; below this many files per worker one process is faster.
_FILES_PER_WORKER = 24


def _worker_count(files: int) -> int:
    """`ASYNCDJ_LINT_JOBS` pins the number of processes; else one per core when it pays."""
    pinned = os.environ.get("ASYNCDJ_LINT_JOBS", "")
    if pinned.isdigit() and int(pinned) > 0:
        return int(pinned)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, files // _FILES_PER_WORKER))


_worker_session: LintSession | None = None


def _start_worker(options: LintOptions, first: list[Path]) -> None:
    global _worker_session
    _worker_session = LintSession(options, first)


def _worker_lint(walked: tuple[SourceFile, bytes]) -> FileOutcome:
    session = _worker_session
    assert session is not None, "_start_worker() first"
    outcome = session.lint_file(*walked)
    outcome.summaries, outcome.problems = session.store.take_news()
    return outcome
