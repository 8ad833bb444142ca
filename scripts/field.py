"""Runs asyncdj-lint on a corpus of real async Django applications and checks the verdicts.

    python scripts/field.py                    # every app of field/corpus.toml
    python scripts/field.py --app awx --app daiv
    python scripts/field.py --report-only      # print, but exit 0 whatever is found
    python scripts/field.py --fetch-hint       # how to get the pinned repositories

Each application in `field/corpus.toml` is pinned to a commit of a public git
repository. Its tree at that commit is exported with `git archive` from a local
git directory (a "mirror": a bare clone, or any clone that has the commit) into
a cache folder outside this repository, `~/.cache/asyncdj-field/<name>-<sha12>`
(`--cache-dir` or `ASYNCDJ_FIELD_CACHE` moves it). Third-party code is never
written into this repository. An app's `exclude` list leaves folders out of the
export (front-end bundles, large files a partial mirror may lack).

Mirrors are looked up in `--mirror-dir` (or `ASYNCDJ_FIELD_MIRRORS`, default
`~/.cache/asyncdj-field/mirrors`) as `<owner>+<name>/repo`, `<owner>+<name>.git`,
`<owner>+<name>` or `<owner>/<name>`. When none has the commit, the repository is
cloned there (`git clone --bare --filter=blob:none`, then the commit is fetched),
unless `--no-clone` is given.

asyncdj-lint runs once per application, in a subprocess, without its cache, with
`--output-format json` (`--lint-command` replaces `python -m asyncdj_lint`;
`ASYNCDJ_LINT_JOBS` is passed through, `--jobs N` sets it). Each finding is
matched with `field/verdicts.csv` (columns: app, location `path:line`, code,
verdict `real` or `false-positive`, reason; paths relative to the application's
root) on app, path, code and line. `--line-tolerance N` also matches a verdict
whose line is at most N lines away, and says so.

Per application it prints the findings, how many are judged real and false
positive, the precision (real / judged), the findings no verdict covers, the
verdicts no finding matches any more, and the wall time of the run. It exits 1
when a finding judged a false positive is still reported or a finding is not
judged yet (`--report-only` turns that off), and 2 when an application cannot
be exported or linted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the project's own dependency on Python 3.10
    import tomli as tomllib

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = REPO_ROOT / "field" / "corpus.toml"
DEFAULT_VERDICTS = REPO_ROOT / "field" / "verdicts.csv"
DEFAULT_CACHE = Path(os.environ.get("ASYNCDJ_FIELD_CACHE", Path.home() / ".cache" / "asyncdj-field"))
DEFAULT_MIRRORS = Path(os.environ.get("ASYNCDJ_FIELD_MIRRORS", DEFAULT_CACHE / "mirrors"))
VERDICTS = ("real", "false-positive")
COMPLETE_MARKER = ".asyncdj-field-complete"

FETCH_HINT = """\
Each application is a public GitHub repository pinned to a commit (field/corpus.toml).
The script exports the tree from a local git directory that has that commit. Either:

  * let the script clone it: it runs, for each missing application,
        git clone --bare --filter=blob:none https://github.com/<owner>/<name> \\
            <mirror-dir>/<owner>+<name>.git
        git --git-dir=<mirror-dir>/<owner>+<name>.git fetch origin <commit>
    (blobs are fetched when the tree is exported, so this needs the network);
  * or clone it yourself, as you like, into <mirror-dir>/<owner>+<name>.git or
    <mirror-dir>/<owner>+<name> (any clone that has the pinned commit works);
  * or point --mirror-dir (ASYNCDJ_FIELD_MIRRORS) at a folder of mirrors laid out
    as <owner>+<name>/repo, as the maintainers' snapshot tool writes them.

The mirror folder is {mirrors}; exported trees go to {cache}.
"""


@dataclass(frozen=True)
class App:
    """One pinned application of the corpus."""

    name: str
    repository: str
    commit: str
    description: str
    paths: tuple[str, ...]
    settings: str | None
    extra_args: tuple[str, ...]
    exclude: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    app: str
    path: str
    line: int
    code: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    code: str
    message: str


@dataclass
class AppResult:
    app: App
    seconds: float
    lines: int
    findings: list[Finding]
    real: list[tuple[Finding, Verdict]] = field(default_factory=list)
    false_positives: list[tuple[Finding, Verdict]] = field(default_factory=list)
    shifted: list[tuple[Finding, Verdict]] = field(default_factory=list)
    new: list[Finding] = field(default_factory=list)
    vanished: list[Verdict] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        judged = len(self.real) + len(self.false_positives)
        return len(self.real) / judged if judged else None


class FieldError(Exception):
    """An application that cannot be exported or linted."""


def load_manifest(path: Path) -> list[App]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    apps: list[App] = []
    for entry in data.get("app", []):
        commit = str(entry["commit"])
        if len(commit) != 40:
            raise SystemExit(f"{path}: {entry['name']}: commit must be a full 40-character sha")
        apps.append(
            App(
                name=str(entry["name"]),
                repository=str(entry["repository"]),
                commit=commit,
                description=str(entry.get("async", "")),
                paths=tuple(str(p) for p in entry.get("paths", ["."])),
                settings=str(entry["settings"]) if "settings" in entry else None,
                extra_args=tuple(str(a) for a in entry.get("args", [])),
                exclude=tuple(str(e) for e in entry.get("exclude", [])),
            )
        )
    names = [a.name for a in apps]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"{path}: duplicate app names: {', '.join(sorted(duplicates))}")
    return apps


def load_verdicts(path: Path) -> list[Verdict]:
    if not path.exists():
        return []
    verdicts: list[Verdict] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            location = row["location"]
            file_path, _, line = location.rpartition(":")
            if not file_path or not line.isdigit():
                raise SystemExit(f"{path}:{number}: location must be path:line, not {location!r}")
            if row["verdict"] not in VERDICTS:
                raise SystemExit(
                    f"{path}:{number}: verdict must be one of {VERDICTS}, not {row['verdict']!r}"
                )
            if not row["reason"].strip():
                raise SystemExit(f"{path}:{number}: every verdict needs a reason")
            verdicts.append(
                Verdict(row["app"], file_path, int(line), row["code"], row["verdict"], row["reason"].strip())
            )
    keys = [(v.app, v.path, v.line, v.code) for v in verdicts]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise SystemExit(f"{path}: verdicts given twice: {repeated}")
    return verdicts


def git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)


def has_commit(git_dir: Path, commit: str) -> bool:
    return git(f"--git-dir={git_dir}", "cat-file", "-e", f"{commit}^{{commit}}").returncode == 0


def mirror_candidates(mirror_dir: Path, repository: str) -> list[Path]:
    owner, _, name = repository.partition("/")
    flat = f"{owner}+{name}"
    candidates = [
        mirror_dir / flat / "repo",
        mirror_dir / f"{flat}.git",
        mirror_dir / flat,
        mirror_dir / owner / name,
    ]
    resolved: list[Path] = []
    for candidate in candidates:
        if (candidate / ".git").is_dir():
            resolved.append(candidate / ".git")
        elif (candidate / "HEAD").is_file():
            resolved.append(candidate)
    return resolved


def find_mirror(app: App, mirror_dir: Path, clone: bool) -> Path:
    for git_dir in mirror_candidates(mirror_dir, app.repository):
        if has_commit(git_dir, app.commit):
            return git_dir
    if not clone:
        raise FieldError(
            f"no mirror of {app.repository} with {app.commit} in {mirror_dir} (see --fetch-hint)"
        )
    target = mirror_dir / f"{app.repository.replace('/', '+')}.git"
    url = f"https://github.com/{app.repository}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"  cloning {url} into {target}", flush=True)
        done = git("clone", "--bare", "--filter=blob:none", url, str(target))
        if done.returncode != 0:
            raise FieldError(f"git clone {url} failed: {done.stderr.decode(errors='replace').strip()}")
    if not has_commit(target, app.commit):
        done = git(f"--git-dir={target}", "fetch", "--filter=blob:none", "origin", app.commit)
        if done.returncode != 0 or not has_commit(target, app.commit):
            raise FieldError(
                f"{url} has no commit {app.commit}: {done.stderr.decode(errors='replace').strip()}"
            )
    return target


def export_tree(app: App, git_dir: Path, cache_dir: Path) -> Path:
    """The application's tree at its commit, exported once into the cache folder."""
    tree = cache_dir / f"{app.name}-{app.commit[:12]}"
    if (tree / COMPLETE_MARKER).exists():
        return tree
    if tree.exists():
        shutil.rmtree(tree)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{app.name}-", dir=cache_dir))
    pathspecs = [".", *(f":(exclude){path}" for path in app.exclude)]
    try:
        with tempfile.TemporaryFile() as errors:
            archive = subprocess.Popen(
                ["git", f"--git-dir={git_dir}", "archive", "--format=tar", app.commit, "--", *pathspecs],
                stdout=subprocess.PIPE,
                stderr=errors,
            )
            extract = subprocess.run(["tar", "-x", "-C", str(partial)], stdin=archive.stdout, check=False)
            if archive.stdout is not None:
                archive.stdout.close()
            if archive.wait() != 0 or extract.returncode != 0:
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip()
                raise FieldError(f"exporting {app.commit} from {git_dir} failed (see `exclude`): {message}")
        (partial / COMPLETE_MARKER).write_text(f"{app.repository} {app.commit}\n", encoding="utf-8")
        partial.rename(tree)
    finally:
        if partial.exists():
            shutil.rmtree(partial)
    return tree


def count_lines(tree: Path, paths: Iterable[str]) -> int:
    total = 0
    for sub in paths:
        root = tree / sub
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for file in files:
            with file.open("rb") as handle:
                total += sum(1 for _ in handle)
    return total


def lint(app: App, tree: Path, command: Sequence[str]) -> tuple[list[Finding], float]:
    args = [*command, "--output-format", "json", "--no-cache", "--exit-zero"]
    if app.settings:
        args += ["--settings", app.settings]
    args += [*app.extra_args, *app.paths]
    start = time.perf_counter()
    done = subprocess.run(args, cwd=tree, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise FieldError(f"{shlex.join(args)} exited {done.returncode}:\n{done.stderr.strip()}")
    if done.stderr.strip():
        print(f"  stderr of asyncdj-lint on {app.name}:\n{done.stderr.rstrip()}", file=sys.stderr)
    findings = [
        Finding(Path(str(d["path"])).as_posix(), int(d["line"]), str(d["code"]), str(d["message"]))
        for d in json.loads(done.stdout)
    ]
    findings.sort(key=lambda f: (f.path, f.line, f.code))
    return findings, seconds


def judge(result: AppResult, verdicts: list[Verdict], tolerance: int) -> None:
    """Matches each finding with a verdict: exactly first, then within `tolerance` lines."""
    remaining = [v for v in verdicts if v.app == result.app.name]
    unmatched: list[Finding] = []
    exact = {(v.path, v.line, v.code): v for v in remaining}
    for finding in result.findings:
        verdict = exact.pop((finding.path, finding.line, finding.code), None)
        if verdict is None:
            unmatched.append(finding)
            continue
        remaining.remove(verdict)
        record(result, finding, verdict)
    for finding in unmatched:
        near = [
            v
            for v in remaining
            if v.path == finding.path and v.code == finding.code and abs(v.line - finding.line) <= tolerance
        ]
        if not near:
            result.new.append(finding)
            continue
        verdict = min(near, key=lambda v: abs(v.line - finding.line))
        remaining.remove(verdict)
        result.shifted.append((finding, verdict))
        record(result, finding, verdict)
    result.vanished = remaining


def record(result: AppResult, finding: Finding, verdict: Verdict) -> None:
    if verdict.verdict == "real":
        result.real.append((finding, verdict))
    else:
        result.false_positives.append((finding, verdict))


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def print_result(result: AppResult) -> None:
    app = result.app
    print(
        f"{app.name} ({app.repository}@{app.commit[:12]}, {result.lines} lines): "
        f"{len(result.findings)} findings, {len(result.real)} real, "
        f"{len(result.false_positives)} false positive, precision {percent(result.precision)}, "
        f"{len(result.new)} new, {len(result.vanished)} vanished, {result.seconds:.1f} s"
    )
    for finding, verdict in result.false_positives:
        print(
            f"  FALSE POSITIVE still reported: {finding.path}:{finding.line} {finding.code}: {verdict.reason}"
        )
    for finding, verdict in result.shifted:
        print(f"  moved: {verdict.path}:{verdict.line} {verdict.code} is now reported at line {finding.line}")
    for finding in result.new:
        print(f"  new: {finding.path}:{finding.line} {finding.code} {finding.message}")
    for verdict in result.vanished:
        print(
            f"  vanished: {verdict.path}:{verdict.line} {verdict.code} ({verdict.verdict}: {verdict.reason})"
        )


def print_totals(results: Sequence[AppResult]) -> None:
    real = sum(len(r.real) for r in results)
    false = sum(len(r.false_positives) for r in results)
    print()
    print("| app | commit | lines | findings | real | false positive | new | precision | time |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r.app.name} | {r.app.commit[:12]} | {r.lines} | {len(r.findings)} | {len(r.real)} "
            f"| {len(r.false_positives)} | {len(r.new)} | {percent(r.precision)} | {r.seconds:.1f} s |"
        )
    findings = sum(len(r.findings) for r in results)
    new = sum(len(r.new) for r in results)
    overall = real / (real + false) if real + false else None
    seconds = sum(r.seconds for r in results)
    lines = sum(r.lines for r in results)
    print(
        f"| total | | {lines} | {findings} | {real} | {false} | {new} | {percent(overall)} | {seconds:.1f} s |"
    )
    judged = [(f, v) for r in results for f, v in (*r.real, *r.false_positives)]
    for label, in_tests in (("outside test files", False), ("in test files", True)):
        part = [v for f, v in judged if is_test_path(f.path) == in_tests]
        part_real = sum(v.verdict == "real" for v in part)
        share = part_real / len(part) if part else None
        print(f"{label}: {part_real} of {len(part)} judged findings real ({percent(share)})")


def is_test_path(path: str) -> bool:
    """A file pytest or Django's test runner would collect, or one in a tests folder, or a conftest."""
    *folders, name = path.split("/")
    return (
        any(folder in ("tests", "test") for folder in folders)
        or name.startswith("test")
        or name.endswith(("_test.py", "tests.py"))
        or name == "conftest.py"
    )


def write_new(path: Path, results: Sequence[AppResult]) -> None:
    """The unjudged findings as rows of the verdict table, verdict and reason to fill in."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["app", "location", "code", "verdict", "reason", "message"])
        for result in results:
            for finding in result.new:
                writer.writerow(
                    [result.app.name, f"{finding.path}:{finding.line}", finding.code, "", "", finding.message]
                )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--verdicts", type=Path, default=DEFAULT_VERDICTS)
    parser.add_argument("--app", action="append", default=[], help="only this application (repeatable)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="where trees are exported")
    parser.add_argument(
        "--mirror-dir", type=Path, default=DEFAULT_MIRRORS, help="where git mirrors are found"
    )
    parser.add_argument("--no-clone", action="store_true", help="never clone a missing mirror")
    parser.add_argument(
        "--lint-command",
        default=shlex.join([sys.executable, "-m", "asyncdj_lint"]),
        help="the asyncdj-lint command line (default: this Python's asyncdj_lint)",
    )
    parser.add_argument("--jobs", type=int, help="set ASYNCDJ_LINT_JOBS for the runs")
    parser.add_argument("--line-tolerance", type=int, default=0, help="match a verdict this many lines away")
    parser.add_argument("--report-only", action="store_true", help="exit 0 whatever the verdicts say")
    parser.add_argument("--new-csv", type=Path, help="write the unjudged findings here, as verdict rows")
    parser.add_argument("--fetch-hint", action="store_true", help="say how to get the pinned repositories")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cache_dir: Path = args.cache_dir.expanduser().resolve()
    mirror_dir: Path = args.mirror_dir.expanduser().resolve()
    if args.fetch_hint:
        print(FETCH_HINT.format(mirrors=mirror_dir, cache=cache_dir), end="")
        return 0
    if cache_dir.is_relative_to(REPO_ROOT):
        raise SystemExit(
            f"--cache-dir {cache_dir} is inside the repository; third-party code stays outside it"
        )
    if args.jobs is not None:
        os.environ["ASYNCDJ_LINT_JOBS"] = str(args.jobs)
    apps = load_manifest(args.manifest)
    unknown = set(args.app) - {a.name for a in apps}
    if unknown:
        raise SystemExit(f"unknown app(s): {', '.join(sorted(unknown))}")
    if args.app:
        apps = [a for a in apps if a.name in args.app]
    verdicts = load_verdicts(args.verdicts)
    command = shlex.split(args.lint_command)
    results: list[AppResult] = []
    failed: list[str] = []
    for app in apps:
        try:
            tree = cache_dir / f"{app.name}-{app.commit[:12]}"
            if not (tree / COMPLETE_MARKER).exists():  # a complete export needs no mirror
                tree = export_tree(app, find_mirror(app, mirror_dir, clone=not args.no_clone), cache_dir)
            findings, seconds = lint(app, tree, command)
        except FieldError as error:
            print(f"{app.name}: {error}", file=sys.stderr)
            failed.append(app.name)
            continue
        result = AppResult(app, seconds, count_lines(tree, app.paths), findings)
        judge(result, verdicts, args.line_tolerance)
        print_result(result)
        results.append(result)
    print_totals(results)
    if args.new_csv is not None:
        write_new(args.new_csv, results)
    if failed:
        return 2
    stale = any(r.false_positives or r.new for r in results)
    return 1 if stale and not args.report_only else 0


if __name__ == "__main__":
    sys.exit(main())
