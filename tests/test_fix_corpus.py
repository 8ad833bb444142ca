"""Fixes on the library corpus: `--diff --unsafe-fixes` leaves every file parsable, and a second
`--fix --unsafe-fixes` changes nothing (scripts/check_fixes.py, every rule selected).

The corpus is the one tests/test_corpus.py lints (downloaded by `python scripts/corpus.py` into
$ASYNCDJ_CORPUS); without it these tests are skipped, unless ASYNCDJ_REQUIRE_CORPUS is set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from asyncdj_lint.options import RuleSelection

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
from check_fixes import check_tree  # scripts/ is not a package
from corpus import PACKAGES, corpus_root


@pytest.mark.parametrize("package", PACKAGES)
def test_fixing_the_corpus_keeps_it_parsable_and_a_second_fix_changes_nothing(
    package: str, tmp_path: Path
) -> None:
    tree = corpus_root() / package
    if not (tree / ".done").exists():
        if os.environ.get("ASYNCDJ_REQUIRE_CORPUS"):
            pytest.fail(f"corpus package {package} missing under {corpus_root()}")
        pytest.skip(f"corpus package {package} not downloaded (python scripts/corpus.py {package})")
    result = check_tree(tree, tmp_path, RuleSelection(select=("ADJ",)))
    assert result.ok, result.report()
