"""Fuzzing: generated programs and mutated real files, with every rule selected, raise nothing.

The count is bounded and the seed fixed so CI stays fast and repeatable;
`ASYNCDJ_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py` runs a longer
search (see the README).
"""

from __future__ import annotations

import os
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asyncdj_lint.api import LintSession, resolve_options
from asyncdj_lint.options import LintOptions, RuleSelection

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")  # from compiling generated programs

FIXTURES = Path(__file__).parents[1] / "fixtures"
EXAMPLES = int(os.environ.get("ASYNCDJ_FUZZ_EXAMPLES", "60"))
# Makes every rule walk the file: rules look for their words (`async`, `await`, ...) first.
WALKED = "\n\nasync def _fuzz(request):\n    await request.user.aget_username()\n"
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples on every run
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def session_for(root: Path) -> LintSession:
    options = resolve_options([root], LintOptions(selection=RuleSelection(select=("ADJ",)), cache=False))
    return LintSession(options, [])


def assert_lints_cleanly(session: LintSession, path: Path, source: bytes) -> None:
    file = session.store.file_for(path)
    outcome = session.lint_file(file, source)
    assert outcome.internal_errors == [], source.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def shop_session() -> LintSession:
    return session_for(FIXTURES / "shop_project")


@FUZZ
@given(program=hypothesmith.from_grammar())
def test_generated_programs(shop_session: LintSession, program: str) -> None:
    path = FIXTURES / "shop_project" / "fuzzed.py"
    assert_lints_cleanly(shop_session, path, (program + WALKED).encode("utf-8", "surrogatepass"))


REAL_FILES = sorted(FIXTURES.rglob("*.py"))


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[Path, bytes]:
    """A fixture file with lines dropped, repeated, re-indented or cut, or bytes inserted."""
    path = draw(st.sampled_from(REAL_FILES))
    lines = path.read_bytes().splitlines(keepends=True) or [b"\n"]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        change = draw(st.sampled_from(["drop", "repeat", "indent", "cut", "insert"]))
        if change == "drop" and len(lines) > 1:
            del lines[at]
        elif change == "repeat":
            lines.insert(at, lines[at])
        elif change == "indent":
            lines[at] = b"    " + lines[at]
        elif change == "cut":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        else:
            junk = draw(
                st.sampled_from([b"(", b")", b":", b"await ", b"async ", b"\\", b'"', b"\t", b"\xff"])
            )
            column = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:column] + junk + lines[at][column:]
    return path, b"".join(lines)


@FUZZ
@given(mutated=mutated_files())
def test_mutated_real_files(mutated: tuple[Path, bytes]) -> None:
    path, source = mutated
    root = next(parent for parent in path.parents if parent.parent == FIXTURES)
    assert_lints_cleanly(_sessions.setdefault(root, session_for(root)), path, source)


_sessions: dict[Path, LintSession] = {}
