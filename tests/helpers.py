"""Lints snippets inside a copy of the example app, as the rule examples are written."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from asyncdj_lint.api import lint_paths
from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.options import LintOptions, RuleSelection
from asyncdj_lint.rules.base import Example

EXAMPLE_APP = Path(__file__).parent / "exampleproject" / "shop"


def lint_snippet(
    code: str,
    *,
    select: tuple[str, ...] = (),
    extra_files: dict[str, str] | None = None,
    target_django: tuple[int, int] | None = None,
    settings_module: str | None = None,
    blocking_calls: tuple[str, ...] = (),
) -> list[Diagnostic]:
    """Findings in `code`, saved as `snippet.py` beside the example app `shop`."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(
            EXAMPLE_APP, root / "shop", ignore=shutil.ignore_patterns("migrations", "__pycache__")
        )
        for name, text in (extra_files or {}).items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        (root / "snippet.py").write_text(code)
        options = LintOptions(
            selection=RuleSelection(select=select or ("ADJ",)),
            target_django=target_django,
            settings_module=settings_module,
            blocking_calls=blocking_calls,
        )
        result = lint_paths([root], options)
        # Messages that name a file (`helper() -> ... (shop/models.py:7)`) name it
        # from the project's folder, so they read the same on every run.
        folder = f"{root}/"
        return [
            dataclasses.replace(d, message=d.message.replace(folder, ""))
            for d in result.diagnostics
            if Path(d.path).name == "snippet.py"
        ]


def lint_example(example: Example) -> list[Diagnostic]:
    """Findings in a rule example's code, with its other files beside it."""
    return lint_snippet(
        example.code,
        extra_files=dict(example.files),
        # A settings example is the settings module, as `--settings snippet` names it.
        settings_module="snippet" if example.is_settings else None,
    )


def codes(code: str, **kwargs) -> list[str]:
    return [d.code for d in lint_snippet(code, **kwargs)]


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Writes a small project: relative path -> text."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def lint_in(project: Path, *args: str) -> list[dict[str, Any]]:
    """The JSON findings of `asyncdj-lint check` run from inside `project`, as a user runs it."""
    run = subprocess.run(
        [sys.executable, "-m", "asyncdj_lint", "check", "--no-cache", "--unsafe-fixes", *args, "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    findings: list[dict[str, Any]] = json.loads(run.stdout) if "--output-format" in args else []
    return findings
