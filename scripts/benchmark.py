"""Times asyncdj-lint next to ruff, flake8-async and the LibCST floor on the same trees, in one run.

    python scripts/benchmark.py [TREE ...] [--apps N] [--repeat N]

Default trees: Django's source and the libraries of the corpus
(`$ASYNCDJ_CORPUS`, as scripts/corpus.py downloads it), and the N largest
real applications under `$ASYNCDJ_FIELD` (default ~/.cache/asyncdj-field/)
when that folder exists. Each tree is copied to a temporary folder first, so
caches and edits never touch it.

For each tree and tool, three runs as a user meets them:
  cold       the first run (asyncdj-lint: no cache yet; ruff: `--no-cache`)
  unchanged  the same command again, nothing changed (each tool's own cache)
  edited     again after one file with async code was edited
and the language server as an editor meets it (`asyncdj-lint server` over
stdio): the file with async code is opened (which warms the project's index),
then edited several times; "lsp ed" is the median time from an edit
(`didChange`) to its diagnostics, the server's debounce included.
Compared with: ruff check --select ALL (every rule ruff has), flake8-async on
the tree's files, and the LibCST floor: parsing with LibCST, with as many
processes as asyncdj-lint starts, only the files asyncdj-lint must parse (those
holding text some rule looks for), including starting Python and importing
LibCST. Peak RSS is the largest resident size of asyncdj-lint's cold run (its
biggest process). Read the ratios, not the seconds: machines differ and a busy
machine slows every tool alike within one run. Never run as a test.
Needs the `bench` extra: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(os.environ.get("ASYNCDJ_CORPUS", Path.home() / ".cache" / "asyncdj-corpus"))
FIELD = Path(os.environ.get("ASYNCDJ_FIELD", Path.home() / ".cache" / "asyncdj-field"))
BIN = Path(sys.executable).parent

FLOOR = """\
import sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import libcst


def parse(path):
    try:
        libcst.parse_module(Path(path).read_bytes())
    except Exception:
        pass


if __name__ == "__main__":
    workers, files = int(sys.argv[1]), sys.argv[2:]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(parse, files, chunksize=4))
    else:
        for file in files:
            parse(file)
"""

CHOSEN = """\
import json, sys
from pathlib import Path

from asyncdj_lint.api import LintSession, _may_fire, _worker_count, resolve_options
from asyncdj_lint.discovery import python_files
from asyncdj_lint.options import LintOptions
from asyncdj_lint.workspace import Exclusion

tree = Path(sys.argv[1])
options = resolve_options([tree], LintOptions(cache=False))
files = list(python_files([tree], Exclusion(options.exclude, options.root).excludes))
session = LintSession(options, files, project_files=files)
walked = [str(f) for f in files if any(_may_fire(rule, f.read_bytes()) for rule in session.rules)]
print(json.dumps({"files": len(files), "walked": walked, "workers": _worker_count(len(walked))}))
"""


@dataclass
class Timing:
    seconds: float
    peak_rss_mb: float


def timed(command: list[str], cwd: Path, repeat: int = 1) -> Timing:
    """Best wall time of `repeat` runs, and the peak RSS of the largest process among them."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(process.pid, 0)
        best = min(best, time.perf_counter() - start)
        peak = max(peak, usage.ru_maxrss / 1024)  # KiB on Linux
    return Timing(best, peak)


class LspClient:
    """Just enough of an editor to time `asyncdj-lint server`: JSON-RPC over stdio."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "asyncdj_lint", "server"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.next_id = 0

    def send(self, message: dict[str, object]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict[str, object]:
        stream = self.process.stdout
        assert stream is not None
        length = 0
        while (header := stream.readline()) not in (b"\r\n", b"\n"):
            if not header:
                raise RuntimeError("the language server exited")
            name, _, value = header.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        message: dict[str, object] = json.loads(stream.read(length))
        return message

    def request(self, method: str, params: object) -> None:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while (message := self.receive()).get("id") != self.next_id or "method" in message:
            if "id" in message and "method" in message:  # a request from the server
                self.send({"id": message["id"], "result": None})

    def diagnostics(self, uri: str, version: int) -> None:
        """Waits for the diagnostics of that version of the buffer."""
        while True:
            message = self.receive()
            params = message.get("params")
            if (
                message.get("method") == "textDocument/publishDiagnostics"
                and isinstance(params, dict)
                and params.get("uri") == uri
                and params.get("version") == version
            ):
                return


def lsp_edit(tree: Path, file: Path, edits: int = 5) -> float:
    """Median seconds from an edit of `file`'s buffer to its diagnostics, with the index warm."""
    client = LspClient(tree)
    try:
        client.request("initialize", {"processId": None, "rootUri": tree.as_uri(), "capabilities": {}})
        client.send({"method": "initialized", "params": {}})
        uri, text = file.as_uri(), file.read_text(encoding="utf-8", errors="replace")
        document = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": document}})
        client.diagnostics(uri, 1)  # the first lint builds what the index needs
        times = []
        for version in range(2, edits + 2):
            text += f"\n# edited in the editor {version}\n"
            start = time.perf_counter()
            change = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}
            client.send({"method": "textDocument/didChange", "params": change})
            client.diagnostics(uri, version)
            times.append(time.perf_counter() - start)
        client.request("shutdown", None)
        client.send({"method": "exit", "params": None})
        client.process.wait(timeout=60)
        return statistics.median(times)
    finally:
        if client.process.poll() is None:
            client.process.kill()
            client.process.wait()


def edit(file: Path, round_: int) -> None:
    """A change a user makes: a new comment line at the end of the file."""
    with file.open("a", encoding="utf-8") as stream:
        stream.write(f"\n# edited {round_}\n")


def bench_tree(tree: Path, repeat: int, flake8_async: bool = True) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="asyncdj-bench-") as scratch:
        copy = Path(scratch) / tree.name
        shutil.copytree(tree, copy, symlinks=True, ignore=shutil.ignore_patterns(".git", "*.pyc"))
        chosen = subprocess.run(
            [sys.executable, "-c", CHOSEN, str(copy)], capture_output=True, text=True, check=True
        )
        facts = json.loads(chosen.stdout)
        walked: list[str] = facts["walked"]
        edited = Path(walked[0]) if walked else next(copy.rglob("*.py"))
        ours = [sys.executable, "-m", "asyncdj_lint", "--exit-zero", "-q", "."]
        ruff_cache = Path(scratch) / "ruff-cache"
        ruff = [
            str(BIN / "ruff"),
            "check",
            "--select",
            "ALL",
            "--exit-zero",
            "-q",
            "--cache-dir",
            str(ruff_cache),
            ".",
        ]
        row: dict[str, float] = {"files": facts["files"], "walked": len(walked), "workers": facts["workers"]}

        cold = timed(ours, copy)  # no cache exists yet in the fresh copy
        row["cold"], row["rss"] = cold.seconds, cold.peak_rss_mb
        row["unchanged"] = timed(ours, copy, repeat).seconds
        edit(edited, 1)
        row["edited"] = timed(ours, copy).seconds

        row["ruff cold"] = timed([*ruff[:2], "--no-cache", *ruff[2:6], "."], copy, repeat).seconds
        timed(ruff, copy)  # fills ruff's cache
        row["ruff unchanged"] = timed(ruff, copy, repeat).seconds
        edit(edited, 2)
        row["ruff edited"] = timed(ruff, copy).seconds
        row["lsp edit"] = lsp_edit(copy, edited)

        files = [str(path) for path in sorted(copy.rglob("*.py"))]
        row["flake8-async"] = (
            timed([str(BIN / "flake8-async"), *files], copy, repeat).seconds if flake8_async else 0.0
        )
        floor = [sys.executable, "-c", FLOOR, str(facts["workers"]), *walked]
        row["floor"] = timed(floor, copy, repeat).seconds if walked else 0.0
        return row


def default_trees(apps: int) -> list[Path]:
    trees = []
    if (CORPUS / "django").is_dir():
        trees.append(CORPUS / "django")
    if CORPUS.is_dir():
        trees += sorted(p for p in CORPUS.iterdir() if p.is_dir() and p.name != "django")
    if FIELD.is_dir() and apps:
        found = [p for p in FIELD.iterdir() if p.is_dir()]
        found.sort(key=lambda p: sum(f.stat().st_size for f in p.rglob("*.py")), reverse=True)
        trees += found[:apps]
    return trees


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b > 0 else "-"


def byte_compile_tools() -> None:
    """Compile asyncdj-lint's and flake8-async's modules, as an install from a wheel has them.

    An editable install, or an environment with PYTHONDONTWRITEBYTECODE set, would
    otherwise compile every module from source on each start-up: a fixed cost of
    about 0.4 s that no user pays and that ruff, a native binary, never has.
    """
    import asyncdj_lint

    for package in (Path(asyncdj_lint.__file__).parent, *(BIN.parent / "lib").glob("python3*/site-packages")):
        compileall.compile_dir(package, quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--apps", type=int, default=3, help="how many field applications (largest first)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N for the runs that can repeat")
    parser.add_argument("--no-flake8-async", action="store_true", help="leave flake8-async out (slow)")
    args = parser.parse_args()
    missing = [name for name in ("flake8-async", "ruff") if not (BIN / name).exists()]
    if missing:
        print(f"missing: {', '.join(missing)}; pip install -e '.[bench]'", file=sys.stderr)
        return 2
    trees = args.trees or default_trees(args.apps)
    byte_compile_tools()
    print(
        f"{len(os.sched_getaffinity(0))} cores; seconds, then asyncdj-lint's time as a multiple of the other's;"
        " load: the 1-minute load average before each tree"
    )
    header = (
        f"{'tree':<22}{'files':>6}{'walked':>7}{'procs':>6}{'cold':>8}{'unchgd':>8}{'edited':>8}{'lsp ed':>7}"
        f"{'RSS MB':>8}{'floor':>7}{'ruff':>7}{'f8-async':>9}"
        f"{'/floor':>8}{'/ruff':>8}{'/ruff re':>9}{'/ruff ed':>9}{'/f8-async':>10}{'load':>6}"
    )
    print(header)
    for tree in trees:
        load = os.getloadavg()[0]
        row = bench_tree(tree, args.repeat, flake8_async=not args.no_flake8_async)
        name = tree.name[:21]
        print(
            f"{name:<22}{row['files']:>6.0f}{row['walked']:>7.0f}{row['workers']:>6.0f}"
            f"{row['cold']:>8.2f}{row['unchanged']:>8.2f}{row['edited']:>8.2f}{row['lsp edit']:>7.2f}"
            f"{row['rss']:>8.0f}{row['floor']:>7.2f}{row['ruff cold']:>7.2f}"
            f"{f'{f8:.2f}' if (f8 := row['flake8-async']) else '-':>9}"
            f"{ratio(row['cold'], row['floor']):>8}{ratio(row['cold'], row['ruff cold']):>8}"
            f"{ratio(row['unchanged'], row['ruff unchanged']):>9}{ratio(row['edited'], row['ruff edited']):>9}"
            f"{ratio(row['cold'], row['flake8-async']):>10}{load:>6.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
