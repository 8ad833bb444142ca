"""scripts/field.py: exports a pinned tree, lints it and checks the findings against the verdict table."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "field.py"

VIEWS = """\
import time


async def slow(request):
    time.sleep(1)


async def slower(request):
    time.sleep(2)
"""


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("field_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


field = load_script()


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


@pytest.fixture
def corpus(tmp_path: Path) -> dict[str, Path]:
    """A mirror folder with one application (two blocking calls in async views) and its manifest."""
    mirrors = tmp_path / "mirrors"
    app = mirrors / "acme+shop"
    (app / "shop").mkdir(parents=True)
    (app / "shop" / "views.py").write_text(VIEWS, encoding="utf-8")
    (app / "README.md").write_text("not Python\n", encoding="utf-8")
    git("init", "-q", cwd=app)
    git("add", ".", cwd=app)
    git("commit", "-q", "-m", "shop", cwd=app)
    sha = git("rev-parse", "HEAD", cwd=app)
    manifest = tmp_path / "corpus.toml"
    manifest.write_text(
        f'[[app]]\nname = "shop"\nrepository = "acme/shop"\ncommit = "{sha}"\n'
        'async = "async views"\nexclude = ["README.md"]\n',
        encoding="utf-8",
    )
    return {"mirrors": mirrors, "manifest": manifest, "cache": tmp_path / "cache", "root": tmp_path}


def run(corpus: dict[str, Path], rows: list[str], *extra: str) -> int:
    verdicts = corpus["root"] / "verdicts.csv"
    verdicts.write_text(
        "app,location,code,verdict,reason\n" + "".join(r + "\n" for r in rows), encoding="utf-8"
    )
    code: int = field.main(
        [
            "--manifest",
            str(corpus["manifest"]),
            "--verdicts",
            str(verdicts),
            "--mirror-dir",
            str(corpus["mirrors"]),
            "--cache-dir",
            str(corpus["cache"]),
            "--no-clone",
            "--jobs",
            "1",
            *extra,
        ]
    )
    return code


REAL_5 = "shop,shop/views.py:5,ADJ512,real,sleeps on the loop"
REAL_9 = "shop,shop/views.py:9,ADJ512,real,sleeps on the loop"


def test_every_finding_judged_real_passes_with_full_precision(
    corpus: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(corpus, [REAL_5, REAL_9]) == 0
    out = capsys.readouterr().out
    assert "2 findings, 2 real, 0 false positive, precision 100%, 0 new, 0 vanished" in out
    assert "outside test files: 2 of 2 judged findings real (100%)" in out
    assert "in test files: 0 of 0 judged findings real (-)" in out
    exported = next(corpus["cache"].glob("shop-*"))
    assert (exported / "shop" / "views.py").read_text(encoding="utf-8") == VIEWS
    assert not (exported / "README.md").exists()


def test_a_false_positive_still_reported_fails(
    corpus: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(corpus, [REAL_5, "shop,shop/views.py:9,ADJ512,false-positive,a test double"]) == 1
    out = capsys.readouterr().out
    assert "FALSE POSITIVE still reported: shop/views.py:9 ADJ512: a test double" in out
    assert "precision 50%" in out


def test_unjudged_findings_are_listed_and_fail_unless_report_only(
    corpus: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(corpus, [REAL_5]) == 1
    assert "new: shop/views.py:9 ADJ512 `time.sleep()`" in capsys.readouterr().out
    new_csv = corpus["root"] / "new.csv"
    assert run(corpus, [REAL_5], "--report-only", "--new-csv", str(new_csv)) == 0
    rows = new_csv.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "app,location,code,verdict,reason,message"
    assert rows[1].startswith("shop,shop/views.py:9,ADJ512,,,")


def test_a_verdict_no_finding_matches_is_reported_vanished(
    corpus: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(corpus, [REAL_5, REAL_9, "shop,shop/views.py:2,ADJ101,real,gone"]) == 0
    assert "vanished: shop/views.py:2 ADJ101 (real: gone)" in capsys.readouterr().out


def test_a_moved_line_matches_only_within_the_stated_tolerance(
    corpus: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    moved = "shop,shop/views.py:6,ADJ512,real,sleeps on the loop"
    assert run(corpus, [moved, REAL_9]) == 1
    assert "new: shop/views.py:5 ADJ512" in capsys.readouterr().out
    assert run(corpus, [moved, REAL_9], "--line-tolerance", "1") == 0
    assert "moved: shop/views.py:6 ADJ512 is now reported at line 5" in capsys.readouterr().out


def test_a_missing_mirror_is_an_error_without_cloning(corpus: dict[str, Path], tmp_path: Path) -> None:
    corpus["mirrors"] = tmp_path / "empty"
    assert run(corpus, []) == 2


def test_the_cache_folder_may_not_be_inside_the_repository(corpus: dict[str, Path]) -> None:
    corpus["cache"] = SCRIPT.parent.parent / "field-cache"
    with pytest.raises(SystemExit, match="inside the repository"):
        run(corpus, [])


def test_a_verdict_must_be_real_or_false_positive_with_a_reason(corpus: dict[str, Path]) -> None:
    with pytest.raises(SystemExit, match="verdict must be one of"):
        run(corpus, ["shop,shop/views.py:5,ADJ512,maybe,unsure"])
    with pytest.raises(SystemExit, match="needs a reason"):
        run(corpus, ["shop,shop/views.py:5,ADJ512,real, "])


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("tests/unit/test_views.py", True),
        ("cl/api/tests.py", True),
        ("app/tests/helpers.py", True),
        ("pkg/conftest.py", True),
        ("pkg/views_test.py", True),
        ("test_settings.py", True),
        ("app/views.py", False),
        ("app/testimonials/views.py", False),
        ("contest/models.py", False),
    ],
)
def test_test_files_are_told_apart_by_their_path(path: str, is_test: bool) -> None:
    assert field.is_test_path(path) is is_test


def test_the_committed_manifest_and_verdicts_are_well_formed() -> None:
    apps = field.load_manifest(field.DEFAULT_MANIFEST)
    assert len(apps) >= 8
    names = {a.name for a in apps}
    verdicts = field.load_verdicts(field.DEFAULT_VERDICTS)
    assert {v.app for v in verdicts} <= names
