"""Fixes on real trees: `--diff --unsafe-fixes` never yields a file that does not parse, and a
second `--fix --unsafe-fixes` changes nothing.

    python scripts/check_fixes.py TREE [TREE ...]
    python scripts/check_fixes.py "$ASYNCDJ_CORPUS"/* /root/.cache/asyncdj-field/*

`--diff` runs on the tree itself, which it never writes; a tree it would
change is copied to a temporary folder (without .git, node_modules and
static assets) and fixed there twice. Prints one line per tree; exits 1 if
any tree fails either check. tests/test_fix_corpus.py runs it on the library
corpus ($ASYNCDJ_CORPUS); the README records the field corpus's result.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from asyncdj_lint.api import lint_paths
from asyncdj_lint.fixer import FixPolicy, fix_paths
from asyncdj_lint.options import LintOptions, RuleSelection

_SKIPPED = shutil.ignore_patterns(".git", "node_modules", "*.js", "*.css", "*.png", "*.jpg", "*.svg", "*.map")
_POLICY = FixPolicy(unsafe=True)


@dataclass
class TreeCheck:
    """What fixing one tree did, and what is wrong with it (nothing, when `ok`)."""

    name: str
    findings: int = 0
    fixable: int = 0
    files_fixed: int = 0
    fixes: int = 0
    left: int = 0
    unparsable: list[str] = field(default_factory=list)  # files `--diff` would leave unparsable
    changed_again: list[str] = field(default_factory=list)  # files a second `--fix` changes
    problems: list[str] = field(default_factory=list)  # files `--fix` refused to write, and why
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.unparsable or self.changed_again or self.problems)

    def report(self) -> str:
        line = (
            f"{self.name}: {self.findings} findings, {self.fixable} fixable, {self.files_fixed} files fixed "
            f"({self.fixes} fixes), {self.left} left; unparsable after --diff: {len(self.unparsable)}; "
            f"changed by a second --fix: {len(self.changed_again)}; {self.seconds:.0f} s"
        )
        details = [f"  does not parse: {path}" for path in self.unparsable]
        details += [f"  second --fix changes {path}" for path in self.changed_again]
        details += [f"  {problem}" for problem in self.problems]
        return "\n".join([line, *details])


def check_tree(
    tree: Path, workspace: Path, selection: RuleSelection | None = None, policy: FixPolicy = _POLICY
) -> TreeCheck:
    """`--diff` on the tree itself (which writes nothing), then, if it would change files, `--fix`
    twice on a copy of it in `workspace`. `selection`: the rules (default: the default selection)."""
    started = time.monotonic()
    result = TreeCheck(tree.name)
    options = _options(tree, selection)
    found = lint_paths([tree], options).diagnostics
    result.findings = len(found)
    result.fixable = sum(1 for d in found if policy.applies(d))
    preview = fix_paths([tree], options, found, policy, write=False)
    for file in preview.files:
        try:
            cst.parse_module(file.after)
        except cst.ParserSyntaxError:
            result.unparsable.append(file.path)
    result.problems += preview.problems
    if preview.files:
        copy = workspace / tree.name
        shutil.copytree(tree, copy, ignore=_SKIPPED, symlinks=True)
        options = _options(copy, selection)
        found = lint_paths([copy], options).diagnostics
        fixed = fix_paths([copy], options, found, policy, write=True)
        result.files_fixed, result.fixes = len(fixed.files), sum(fixed.fixed.values())
        result.problems += fixed.problems
        again = lint_paths([copy], options).diagnostics
        result.left = len(again)
        second = fix_paths([copy], options, again, policy, write=False)
        result.changed_again = [file.path for file in second.files]
    else:
        result.left = result.findings
    result.seconds = time.monotonic() - started
    return result


def _options(tree: Path, selection: RuleSelection | None) -> LintOptions:
    # The tree is the project: a copy without a marker would have its root searched in the temp folder.
    if selection is None:
        return LintOptions(root=tree, cache=False)
    return LintOptions(root=tree, cache=False, selection=selection)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("trees", nargs="+", type=Path)
    args = parser.parse_args()
    failed = False
    for tree in args.trees:
        with tempfile.TemporaryDirectory(prefix="asyncdj-fix-") as workspace:
            result = check_tree(tree.resolve(), Path(workspace))
        print(result.report(), flush=True)
        failed |= not result.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
