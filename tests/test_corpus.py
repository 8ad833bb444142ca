"""Correct async Django code must draw no findings: Django itself and async Django packages.

The corpus is downloaded by `python scripts/corpus.py` into $ASYNCDJ_CORPUS
(default ~/.cache/asyncdj-corpus), with the packages and versions it pins. Without it these tests are skipped, unless
ASYNCDJ_REQUIRE_CORPUS is set (CI sets it), in which case they fail.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from asyncdj_lint.api import lint_paths
from asyncdj_lint.options import LintOptions, RuleSelection

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
from corpus import PACKAGES, corpus_root  # scripts/ is not a package

CORPUS = corpus_root()


@pytest.mark.parametrize("package", PACKAGES)
def test_correct_async_code_draws_no_findings(package: str) -> None:
    tree = CORPUS / package
    if not (tree / ".done").exists():
        if os.environ.get("ASYNCDJ_REQUIRE_CORPUS"):
            pytest.fail(f"corpus package {package} missing under {CORPUS}")
        pytest.skip(f"corpus package {package} not downloaded (python scripts/corpus.py {package})")
    # Without the cache: the test must lint, not read what an earlier run found.
    result = lint_paths([tree], LintOptions(selection=RuleSelection(select=("ADJ",)), cache=False))
    findings = [f"{d.path}:{d.line}: {d.code} {d.message}" for d in result.diagnostics]
    assert findings == []
    assert result.files_checked > 10
