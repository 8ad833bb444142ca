"""The field bug corpus (fixtures/field_bugs): its catalogue, and what asyncdj-lint reports on it.

Each catalogue entry is a bug a public project shipped, rewritten as a buggy
function or class and its corrected twin. A bug counts as caught when
asyncdj-lint reports at least one finding, of any code, inside the lines of
its buggy location (`buggy_at`, else `buggy`: a function, a class, or a
`Class.method`, decorators included): the user is then told, at the place the
mistake is, that something there fails. Whether the code is the one the
catalogue expects is shown beside it. A twin is flagged when any finding lies
inside the lines of its location (`twin_at`, else `twin`).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asyncdj_lint.api import lint_paths
from asyncdj_lint.diagnostics import Diagnostic
from asyncdj_lint.options import LintOptions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
PROJECT = REPO / "fixtures" / "field_bugs"
CATALOGUE = PROJECT / "catalogue.toml"


def load_catalogue(path: Path = CATALOGUE) -> list[dict[str, Any]]:
    with path.open("rb") as file:
        bugs: list[dict[str, Any]] = tomllib.load(file)["bug"]
    return bugs


@dataclass(frozen=True)
class Verdict:
    id: str
    source: str
    pattern: str
    expected_code: str
    caught_by: tuple[str, ...]  # codes reported inside the buggy location, sorted
    twin_flagged_by: tuple[str, ...]  # codes reported inside the twin's location

    @property
    def caught(self) -> bool:
        return bool(self.caught_by)

    @property
    def caught_as_expected(self) -> bool:
        return self.expected_code in self.caught_by


def serve(
    database: Path, project: Path = PROJECT, ids: Sequence[str] = ()
) -> dict[str, dict[str, dict[str, Any]]]:
    """Each entry's (or only the `ids`') buggy and twin side of `project`, run under Django by
    tests/runtime/field_bugs.py in a process of its own, against a fresh SQLite file `database`."""
    results: dict[str, dict[str, dict[str, Any]]] = run_json(
        "tests.runtime.field_bugs", "--project", str(project), str(database), *ids
    )
    return results


def run_json(module: str, *args: str) -> Any:
    """The JSON `python -m module args...` prints, run from the repository in a process of its own."""
    run = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def lines_of(source: str, qualname: str) -> range:
    """The lines of the function or class `qualname` (`name` or `Class.method`), decorators included."""
    body: list[ast.stmt] = ast.parse(source).body
    node: ast.stmt | None = None
    for part in qualname.split("."):
        defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        node = next((n for n in body if isinstance(n, defs) and n.name == part), None)
        if node is None:
            raise LookupError(f"{qualname} is not defined")
        body = node.body
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    assert node.end_lineno is not None
    return range(first, node.end_lineno + 1)


def lint_project() -> list[Diagnostic]:
    """Every finding on the field bug project, linted as a whole as a user would, without the cache."""
    diagnostics: list[Diagnostic] = lint_paths([PROJECT], LintOptions(cache=False)).diagnostics
    return diagnostics


def judge(entries: list[dict[str, Any]], diagnostics: list[Diagnostic]) -> list[Verdict]:
    by_file: dict[Path, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        by_file.setdefault(Path(diagnostic.path).resolve(), []).append(diagnostic)
    verdicts = []
    for entry in entries:
        path = (PROJECT / entry["module"]).resolve()
        source = path.read_text(encoding="utf-8")
        found = by_file.get(path, [])
        verdicts.append(
            Verdict(
                id=entry["id"],
                source=entry["source"],
                pattern=entry["pattern"],
                expected_code=entry["expected_code"],
                caught_by=_codes_in(found, lines_of(source, entry.get("buggy_at", entry["buggy"]))),
                twin_flagged_by=_codes_in(found, lines_of(source, entry.get("twin_at", entry["twin"]))),
            )
        )
    return verdicts


def _codes_in(found: list[Diagnostic], lines: range) -> tuple[str, ...]:
    return tuple(sorted({d.code for d in found if d.line in lines}))


def table(verdicts: list[Verdict]) -> str:
    """A Markdown table: id, source, pattern, caught, by which codes; then the recall."""
    rows = ["| id | source | pattern | caught | by |", "| --- | --- | --- | --- | --- |"]
    for v in verdicts:
        by = ", ".join(v.caught_by) or "-"
        if v.caught and not v.caught_as_expected:
            by += f" (expected {v.expected_code})"
        rows.append(f"| {v.id} | {v.source} | {v.pattern} | {'yes' if v.caught else 'no'} | {by} |")
    caught = sum(v.caught for v in verdicts)
    rows.append("")
    rows.append(f"recall: {caught}/{len(verdicts)} = {caught / len(verdicts):.0%}")
    return "\n".join(rows)


def missed(verdicts: list[Verdict]) -> str:
    return "\n".join(f"{v.id} ({v.expected_code}) {v.source}: {v.pattern}" for v in verdicts if not v.caught)
