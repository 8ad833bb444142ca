"""`lint_paths`: the one entry point behind the CLI and the flake8 plugin."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, cast

from asyncdj_lint import parse_guard
from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.discovery import python_files
from asyncdj_lint.facts.async_unsafe import environment_files
from asyncdj_lint.facts.deployment import deployment_files
from asyncdj_lint.facts.django_version import NEWEST_LTS, declared_django, depends_on, project_root
from asyncdj_lint.gitignore import GitIgnore
from asyncdj_lint.index.cache import FileState, ResultCache, SummaryCache, template_fingerprint
from asyncdj_lint.options import LintOptions
from asyncdj_lint.sources import ParseProblem, SourceFile, Sources
from asyncdj_lint.suppressions import drop_per_file_ignores
from asyncdj_lint.workspace import Exclusion

# LibCST and what builds on it (the engine, the rules, the index) are imported when
# a file must be parsed: a run whose outcomes all come from the cache needs none of it.
if TYPE_CHECKING:
    from asyncdj_lint.index.summary import ModuleSummary
    from asyncdj_lint.rules.base import Rule


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    # "path: error" for each file the tool failed on (a bug in asyncdj-lint); the rest was checked.
    internal_errors: list[str] = field(default_factory=list)
    # path as reported -> that file's lines, from the bytes the run read (stdin's for its file)
    source_lines: Callable[[str], list[str]] = field(default=Sources().lines_of)


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
    project = targets if whole_project else None
    if stdin is None and options.cache:
        cached = cached_result(options, targets, project)
        if cached is not None:
            return cached
    session = LintSession(options, targets, project_files=project)
    result = session.lint(targets, stdin=stdin, progress=progress)
    result.source_lines = session.store.sources.lines_of
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
    """`options` with the project root, the target Django version and the async HTTP clients
    the project depends on filled in."""
    root = options.root or project_root(paths)
    clients = tuple(client for client in ASYNC_HTTP_CLIENTS if depends_on(root, client))
    if options.target_django is not None:
        return replace(options, root=root, async_http_clients=clients)
    declared = declared_django(root)
    return replace(
        options,
        root=root,
        target_django=declared or NEWEST_LTS,
        django_declared=declared is not None,
        async_http_clients=clients,
    )


# Distributions whose async HTTP client a blocking call can be rewritten to.
ASYNC_HTTP_CLIENTS = ("httpx",)


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
        from asyncdj_lint import engine
        from asyncdj_lint.analysis.project import Project
        from asyncdj_lint.index.project import ProjectIndex
        from asyncdj_lint.index.store import SourceStore

        assert options.root is not None, "resolve_options() first"
        self.options = options
        from asyncdj_lint.rules import all_rules

        self.rules = [rule for rule in all_rules() if options.selection.enabled(rule.code, rule.severity)]
        project: Iterable[Path] | None = project_files
        if project is None:
            project = _project_files(options)
        # The files linted first come first: when two files share a module name, they win.
        self.store = SourceStore([*first, *project], SummaryCache(options.root) if options.cache else None)
        self.index = ProjectIndex(
            self.store,
            self.store.mentions,
            lambda: [f.path for f in self.store.files.values()],
            root=options.root,
            settings_module=options.settings_module,
            django_version=options.target_django,
            functions=self.store.functions,
            holds=self.store.holds,
            is_package=lambda module: self.store.files[module].is_package,
        )
        # What analyses see: the index, function bodies from the store, and the run's memo.
        self.project = Project(self.index, self.store.tree)
        self.helpers = engine.helper_judge(self.project, options, self.rules)
        self.save_interval = save_interval
        self._last_saved = 0.0

    def lint(
        self,
        targets: Sequence[Path],
        *,
        stdin: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> LintResult:
        with rare_collections():
            return self._lint(targets, stdin, progress)

    def _lint(
        self, targets: Sequence[Path], stdin: str | None, progress: Callable[[int, int], None] | None
    ) -> LintResult:
        from asyncdj_lint.rules.adj001_unparsable_file import UnparsableFile

        options, store = self.options, self.store
        result = LintResult(files_checked=len(targets))
        unwalked: list[tuple[SourceFile, bytes]] = []
        walked: list[tuple[SourceFile, bytes]] = []
        files = [store.file_for(path) for path in targets]
        results = self._results  # first, so that it records the files as they are on disk
        # An editor's buffer reuses the outcome of the same content; it is recorded only when
        # it is what the file holds (flake8 hands the plugin the file it read).
        as_on_disk = True
        for file in files:
            if stdin is not None:
                as_on_disk = (
                    store.sources.provide(file.path, stdin.encode("utf-8", "surrogateescape")) and as_on_disk
                )
            try:
                source = store.sources.read(file.path)
            except OSError as error:
                result.diagnostics.append(
                    UnparsableFile.diagnostic(file.display, f"{type(error).__name__}: {error}")
                )
                continue
            (walked if any(_may_fire(rule, source) for rule in self.rules) else unwalked).append(
                (file, source)
            )
        saving = results if as_on_disk else None
        pending = [
            (file, source) for file, source in walked if not self._reuse(results, file, source, result)
        ]
        workers = 1 if stdin is not None else _worker_count(len(pending))

        def take(outcomes: Iterable[FileOutcome]) -> None:
            for done, ((file, source), outcome) in enumerate(zip(pending, outcomes), 1):
                result.diagnostics.extend(outcome.diagnostics)
                result.internal_errors.extend(outcome.internal_errors)
                if saving is not None and not outcome.internal_errors:
                    saving.put(
                        file.path, _key(file, source), (outcome.diagnostics, store.problems.get(file.path))
                    )
                if progress is not None:
                    progress(done + len(targets) - len(pending), len(targets))

        if workers > 1:
            take(self._lint_in_workers(pending, workers))
        else:  # every file in one thread with a deep stack, rather than a thread each
            parse_guard.run_deep(lambda: take(self.lint_file(*w) for w in pending))
        # Files no rule walked still get their syntax checked, unless the index parsed them.
        for file, source in unwalked:
            if self._reuse(results, file, source, result):
                continue
            if not store.was_parsed(file):
                problem = store.sources.check(file)
                if problem is not None:
                    store.problems[file.path] = problem
            if saving is not None:
                saving.put(file.path, _key(file, source), ([], store.problems.get(file.path)))
        if options.selection.enabled(UnparsableFile.code, UnparsableFile.severity):
            # Only the linted files: one the index read for its names is not reported.
            result.diagnostics.extend(
                unparsable(store.problems[file.path]) for file in files if file.path in store.problems
            )
        if saving is not None:
            saving.learnt(self._followed(), store.asked, store.summarised)
        result.diagnostics = sorted(
            drop_per_file_ignores(result.diagnostics, options.per_file_ignores, options.root)
        )
        return result

    @cached_property
    def _results(self) -> ResultCache | None:
        """Outcomes of earlier runs with the same options that are still valid (see ResultCache).

        Computed once per session: its files are assumed not to change meanwhile.
        """
        if not self.options.cache or self.options.root is None:
            return None
        assert self.options.root is not None
        results = ResultCache(self.options.root, _settings(self.options))
        # Every file, also one whose module name another file took: a re-run with nothing
        # changed finds each of them in the record and answers from the cache alone.
        paths = [*self.store.paths, *(file.path for file in self.store.files.values())]
        files = {path: self.store.file_for(path) for path in paths}
        changes = results.changed(list(files), self.store.sources.read, lambda path: files[path].is_package)
        by_name = {results.relative(path): file for path, file in files.items()}
        results.keep_others(
            all(self._same_for_others(results, by_name.get(name), state) for name, state in changes.items())
        )
        # Findings depend on what templates look up and on how the project is served (ADJ606):
        # any change to a template or a deployment file drops every outcome.
        folders = [str(folder.absolute()) for folder in self.index.templates.folders]
        results.templates_now(folders, _other_inputs(self.options.root, folders))
        return results

    def _same_for_others(
        self, results: ResultCache, file: SourceFile | None, state: FileState | None
    ) -> bool:
        """Whether what other files' findings can depend on in a changed file is unchanged."""
        if file is None or state is None:
            return False  # a file added or removed: names may resolve differently
        record, name = results.record, results.relative(file.path)
        if results.previous_key(name) is None:
            return False
        if self.store.files.get(file.name) != file:
            return True  # another file has its module name: the index never reads this one
        try:
            source = self.store.sources.read(file.path)
        except OSError:
            return False
        from asyncdj_lint.index.store import holds

        if any(holds(source, word) != found for word, found in record.asked.get(name, {}).items()):
            return False
        if name in record.followed:
            from asyncdj_lint.index.summary import code_digest

            summary = self.store[file.name]
            if any(
                code_digest(source, summary, code) != digest for code, digest in record.followed[name].items()
            ):
                return False
        if name not in record.summarised:
            return True
        cache = self.store.cache
        before = cache.entries.get(results.previous_key(name) or "") if cache is not None else None
        from asyncdj_lint.index.summary import same_for_readers

        return before is not None and same_for_readers(before, self.store[file.name])

    def _followed(self) -> dict[Path, dict[str, str | None]]:
        """The code analyses read in project files' bodies, by file."""
        followed: dict[Path, dict[str, str | None]] = {}
        for (module, name), digest in self.project.followed.items():
            file = self.store.files.get(module)
            if file is not None:
                followed.setdefault(file.path, {})[name] = digest
        return followed

    def _reuse(
        self, results: ResultCache | None, file: SourceFile, source: bytes, result: LintResult
    ) -> bool:
        """Adds a file's cached outcome to `result`; False when there is none."""
        cached = results.get(file.path, _key(file, source)) if results is not None else None
        if cached is None:
            return False
        found = _outcome(cached, file.display)
        if found is None:
            return False
        diagnostics, problem = found
        result.diagnostics.extend(diagnostics)
        if problem is not None:
            self.store.problems[file.path] = problem
        return True

    def lint_file(self, file: SourceFile, source: bytes) -> FileOutcome:
        """One file's findings; an unparsable file's ADJ001 goes to the store's problems."""
        try:
            return parse_guard.run_deep(lambda: self._lint_file(file, source))
        except RecursionError:
            self.store.too_deep(file)
            return FileOutcome([])

    def _lint_file(self, file: SourceFile, source: bytes) -> FileOutcome:
        applicable = [rule for rule in self.rules if _may_fire(rule, source)]
        from asyncdj_lint import engine

        parsed = self.store.parse(file, source)
        if parsed is None:
            return FileOutcome([])
        try:
            return FileOutcome(
                engine.lint_module(
                    parsed, project=self.project, rules=applicable, options=self.options, helpers=self.helpers
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
        global _worker_session
        # Imported here: a run that starts no workers (a re-run from the cache) needs neither.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        first = [file.path for file, _ in walked]
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        # A forked worker starts from this session: its scan of the project, its loaded
        # summary cache and what it indexed already; a spawned one builds its own.
        forked = context.get_start_method() == "fork"
        _worker_session = self if forked else None
        pool = (
            ProcessPoolExecutor(workers, context)
            if forked
            else ProcessPoolExecutor(
                workers, context, initializer=_start_worker, initargs=(self.options, first)
            )
        )
        # Files go in chunks, each linted in one thread with a deep stack (see lint_file).
        chunks = [walked[start : start + _CHUNK] for start in range(0, len(walked), _CHUNK)]
        with pool:
            for outcomes in pool.map(_worker_lint_chunk, chunks):
                for outcome in outcomes:
                    self.store.adopt(outcome.summaries, outcome.problems)
                    self.project.followed.update(outcome.followed)
                    for path, words in outcome.asked.items():
                        self.store.asked.setdefault(path, {}).update(words)
                    self.store.summarised |= outcome.summarised
                    yield outcome
        _worker_session = None

    def save_cache(self) -> None:
        """Writes new summaries to disk, at most every `save_interval` seconds."""
        now = time.monotonic()
        if self.store.cache is not None and now - self._last_saved >= self.save_interval:
            self.store.cache.save(limit=2 * len(self.store) + 100)
            if self._results is not None:
                self._results.save()
            self._last_saved = now


# The collector's thresholds while linting: a first-generation pass per 200,000 new objects.
_RARELY = (200_000, 30, 30)


@contextmanager
def rare_collections() -> Iterator[None]:
    """Python's cyclic garbage collector runs seldom meanwhile (worker processes started then
    inherit it): syntax trees are hundreds of thousands of objects and hold no cycles, and at
    the default thresholds the collector's passes over them took a quarter of a cold run."""
    before = gc.get_threshold()
    gc.set_threshold(*_RARELY)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def unparsable(problem: ParseProblem) -> Diagnostic:
    """The ADJ001 finding for a file that could not be read, decoded or parsed."""
    from asyncdj_lint.rules.adj001_unparsable_file import UnparsableFile

    return UnparsableFile.diagnostic(problem.path, problem.message, problem.line, problem.column)


def _may_fire(rule: type[Rule], source: bytes) -> bool:
    """Whether the rule can fire in a file with this source (its walk is skipped otherwise)."""
    also = rule.also_requires_text
    return any(text in source for text in rule.requires_text) and (not also or any(t in source for t in also))


@dataclass
class FileOutcome:
    """What linting one file produced; from a worker, also what its store learnt."""

    diagnostics: list[Diagnostic]
    summaries: dict[str, tuple[str | None, ModuleSummary]] = field(default_factory=dict)
    problems: dict[Path, ParseProblem] = field(default_factory=dict)
    internal_errors: list[str] = field(default_factory=list)
    # What the worker's index read of files, for the result cache (SourceStore's fields).
    followed: dict[tuple[str, str], str | None] = field(default_factory=dict)
    asked: dict[Path, dict[str, bool]] = field(default_factory=dict)
    summarised: set[Path] = field(default_factory=set)


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
_followed_sent = 0  # how many of the worker session's followed code digests went home


def _start_worker(options: LintOptions, first: list[Path]) -> None:
    global _worker_session
    gc.set_threshold(*_RARELY)  # for the worker's life, as `rare_collections` while linting
    _worker_session = LintSession(options, first)


_CHUNK = 4  # files a worker is handed at a time


def _worker_lint_chunk(chunk: list[tuple[SourceFile, bytes]]) -> list[FileOutcome]:
    return parse_guard.run_deep(lambda: [_worker_lint(walked) for walked in chunk])


def _worker_lint(walked: tuple[SourceFile, bytes]) -> FileOutcome:
    session = _worker_session
    assert session is not None, "_start_worker() first"
    outcome = session.lint_file(*walked)
    store = session.store
    outcome.summaries, outcome.problems = store.take_news()
    outcome.asked, outcome.summarised = store.asked, store.summarised
    store.asked, store.summarised = {}, set()
    # Digests are kept to be made once; only the new ones travel.
    global _followed_sent
    followed = list(session.project.followed.items())
    outcome.followed, _followed_sent = dict(followed[_followed_sent:]), len(followed)
    return outcome


def cached_result(options: LintOptions, targets: list[Path], project: list[Path] | None) -> LintResult | None:
    """The run's result from the cache alone, when no project file changed; else None.

    Files are compared by size and modification time only, and nothing is
    parsed, so this imports no LibCST.
    """
    assert options.root is not None
    results = ResultCache(options.root, _settings(options))
    states = results.record.files
    every = {results.relative(path): path for path in [*targets, *(project or _project_files(options))]}
    if not states or every.keys() != states.keys():
        return None  # names may be taken by other files: the session decides
    for name, path in every.items():
        try:
            stat = path.stat()
        except OSError:
            return None
        state = states[name]
        if (state.size, state.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            return None
    if _other_inputs(options.root, results.record.template_folders) != results.record.templates:
        return None
    result = LintResult(files_checked=len(targets))
    problems: list[ParseProblem] = []
    for path in targets:
        cached = results.get(path, states[results.relative(path)].key)
        if cached is None:
            return None
        found = _outcome(cached, str(path))
        if found is None:
            return None
        diagnostics, problem = found
        result.diagnostics.extend(diagnostics)
        problems += [problem] if problem is not None else []
    if problems:  # the rules (and LibCST with them) are imported only to report them
        from asyncdj_lint.rules.adj001_unparsable_file import UnparsableFile

        if options.selection.enabled(UnparsableFile.code, UnparsableFile.severity):
            result.diagnostics.extend(unparsable(problem) for problem in problems)
    result.diagnostics = sorted(
        drop_per_file_ignores(result.diagnostics, options.per_file_ignores, options.root)
    )
    return result


def _project_files(options: LintOptions) -> list[Path]:
    assert options.root is not None
    return list(python_files([options.root], _excluder(options)))


def _settings(options: LintOptions) -> str:
    """What outcomes depend on besides the files (this package's code is in the cache's name)."""
    return repr(options)


def _other_inputs(root: Path, template_folders: list[str]) -> list[tuple[str, str]]:
    """(path, "size:mtime") of the files besides Python's that findings depend on: the
    templates, the deployment files (how the project is served) and the environment files
    (whether `DJANGO_ALLOW_ASYNC_UNSAFE` is set)."""
    found = template_fingerprint(template_folders)
    for path in sorted({*deployment_files(root), *environment_files(root)}):
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((str(path), f"{stat.st_size}:{stat.st_mtime_ns}"))
    return found


def _key(file: SourceFile, source: bytes) -> str:
    from asyncdj_lint.index.cache import content_key

    return content_key(source, file.is_package)


def _outcome(cached: object, display: str) -> tuple[list[Diagnostic], ParseProblem | None] | None:
    """A recorded outcome, its paths as this run names the file.

    None when the file was named otherwise and a message names a file (a helper's
    `path:line`): those paths are spelt as that run spelt them.
    """
    diagnostics, problem = cast("tuple[list[Diagnostic], ParseProblem | None]", cached)
    if any(d.path != display and (".py:" in d.message or ".pyi:" in d.message) for d in diagnostics):
        return None
    moved = [d if d.path == display else replace(d, path=display) for d in diagnostics]
    if problem is not None and problem.path != display:
        problem = replace(problem, path=display)
    return moved, problem
