"""Fixes on real trees: `--diff --unsafe-fixes` never yields a file that does not parse, and a
second `--fix --unsafe-fixes` changes nothing.

    python scripts/check_fixes.py TREE [TREE ...]
    python scripts/check_fixes.py "$ASYNCDJ_CORPUS"/* /root/.cache/asyncdj-field/*

Each tree is copied to a temporary folder first (its Python files and the
project files settings discovery and version detection read); the trees
themselves are never written. Prints one line per tree; exits 1 if any tree
fails either check.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import libcst as cst

from asyncdj_lint.api import lint_paths
from asyncdj_lint.fixer import FixPolicy, fix_paths
from asyncdj_lint.options import LintOptions

_SKIPPED = shutil.ignore_patterns(".git", "node_modules", "*.js", "*.css", "*.png", "*.jpg", "*.svg", "*.map")
_POLICY = FixPolicy(unsafe=True)


def check_tree(tree: Path, workspace: Path) -> tuple[bool, str]:
    copy = workspace / tree.name
    shutil.copytree(tree, copy, ignore=_SKIPPED, symlinks=True)
    started = time.monotonic()
    # The copy is the project: without a marker in it, the root search would climb into the temp folder.
    options = LintOptions(root=copy, cache=False)
    found = lint_paths([copy], options).diagnostics
    fixable = sum(1 for d in found if _POLICY.applies(d))
    preview = fix_paths([copy], options, found, _POLICY, write=False)
    broken = []
    for file in preview.files:
        try:
            cst.parse_module(file.after)
        except cst.ParserSyntaxError:
            broken.append(file.path)
    fixed = fix_paths([copy], options, found, _POLICY, write=True)
    again = lint_paths([copy], options).diagnostics
    second = fix_paths([copy], options, again, _POLICY, write=False)
    ok = not broken and not second.files and not fixed.problems
    line = (
        f"{tree.name}: {len(found)} findings, {fixable} fixable, {len(fixed.files)} files fixed "
        f"({sum(fixed.fixed.values())} fixes), {len(again)} left; unparsable after --diff: {len(broken)}; "
        f"changed by a second --fix: {len(second.files)}; {time.monotonic() - started:.0f} s"
    )
    details = [*(f"  does not parse: {path}" for path in broken)]
    details += [f"  second --fix changes {file.path}" for file in second.files]
    details += [f"  {problem}" for problem in fixed.problems]
    return ok, "\n".join([line, *details])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("trees", nargs="+", type=Path)
    args = parser.parse_args()
    failed = False
    for tree in args.trees:
        with tempfile.TemporaryDirectory(prefix="asyncdj-fix-") as workspace:
            ok, report = check_tree(tree.resolve(), Path(workspace))
        print(report, flush=True)
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
