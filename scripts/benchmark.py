"""Times asyncdj-lint next to flake8-async and ruff on the same files, in one run.

    python scripts/benchmark.py [TREE ...]        (default: the corpus from scripts/corpus.py)

Each tool is run as a user runs it, in a subprocess, on the same folder, several
times; the best wall time of each is reported with its ratio to ruff's and to
flake8-async's. asyncdj-lint runs twice: with its summary cache (as a second
run in a project would) and with `--no-cache`. Machines differ, so read the
ratios, not the seconds. Needs the `bench` extra: `pip install -e '.[bench]'`.

A second table shows what the whole project index costs on each tree: parsing
and summarising every module, in a fresh process, without the cache. A run
pays that at most: it summarises a module only when a name resolves into it,
so the ratio to the uncached run can exceed 1.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_CORPUS = Path(os.environ.get("ASYNCDJ_CORPUS", Path.home() / ".cache" / "asyncdj-corpus"))


def tools(tree: Path) -> dict[str, list[str]]:
    """The command line of each tool, checking only its async rules."""
    bin_dir = Path(sys.executable).parent
    return {
        "asyncdj-lint": [sys.executable, "-m", "asyncdj_lint", "--exit-zero", str(tree)],
        "(no cache)": [sys.executable, "-m", "asyncdj_lint", "--exit-zero", "--no-cache", str(tree)],
        "flake8-async": [str(bin_dir / "flake8-async"), *map(str, sorted(tree.rglob("*.py")))],
        "ruff (ASYNC)": [
            str(bin_dir / "ruff"),
            "check",
            "--no-cache",
            "--select",
            "ASYNC",
            "--exit-zero",
            str(tree),
        ],
    }


def best_time(command: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def index_seconds(tree: Path) -> float:
    """Parsing and summarising every module of the tree, in a fresh process, without the cache."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from asyncdj_lint.discovery import python_files\n"
        "from asyncdj_lint.index.store import SourceStore\n"
        "store = SourceStore(list(python_files([Path(sys.argv[1])])))\n"
        "start = time.perf_counter()\n"
        "for name in store:\n"
        "    store[name]\n"
        "print(time.perf_counter() - start)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tree)], capture_output=True, text=True, check=True
    )
    return float(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    trees = args.trees or sorted(p for p in DEFAULT_CORPUS.iterdir() if p.is_dir())
    missing = [name for name in ("flake8-async", "ruff") if not (Path(sys.executable).parent / name).exists()]
    if missing:
        print(
            f"missing: {', '.join(missing)}; install the bench extra: pip install -e '.[bench]'",
            file=sys.stderr,
        )
        return 2
    print(
        f"{'tree':<16}{'files':>7}  "
        + "".join(f"{name:>15}" for name in tools(Path()))
        + "   vs ruff  vs flake8-async"
    )
    uncached: dict[Path, float] = {}
    for tree in trees:
        times = {name: best_time(command, args.repeat) for name, command in tools(tree).items()}
        ours, uncached[tree] = times["asyncdj-lint"], times["(no cache)"]
        cells = "".join(f"{seconds:>14.2f}s" for seconds in times.values())
        files = sum(1 for _ in tree.rglob("*.py"))
        print(
            f"{tree.name:<16}{files:>7}  {cells}"
            f"{ours / times['ruff (ASYNC)']:>9.1f}x{ours / times['flake8-async']:>14.2f}x"
        )
    print(f"\n{'tree':<16}{'whole index':>12}{'vs uncached run':>18}")
    for tree in trees:
        seconds = min(index_seconds(tree) for _ in range(args.repeat))
        print(f"{tree.name:<16}{seconds:>11.2f}s{seconds / uncached[tree]:>17.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
