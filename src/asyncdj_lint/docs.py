"""Renders the rule reference in `rules/` from the rule classes themselves."""

from __future__ import annotations

from pathlib import Path

from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules import all_rules
from asyncdj_lint.rules.base import Example, Rule


def rule_page(rule: type[Rule]) -> str:
    """One rule's page; the headings are the same on every page, as ruff's."""
    lines = [
        f"# {rule.code}: {rule.name}",
        "",
        f"Severity: **{rule.severity.value}**. Django versions: {rule.django_versions}.",
        "",
        f"Stable since {rule.stable_since}. Fix: {_AVAILABILITY[rule.fix_availability]}.",
        "",
        "## What it does",
        "",
        rule.summary,
        "",
        "## Why is this bad?",
        "",
        rule.why,
        "",
        *(["## What it needs to know", "", *_needs(rule)] if rule.needs or rule.sync_only_query else []),
        "## Example",
        "",
        *_examples(rule.invalid),
        "## Use instead",
        "",
        *_examples(rule.valid),
        "## Fix safety",
        "",
        rule.fix_safety,
        "",
        "## Django versions",
        "",
        f"{rule.django_versions}. {_proof(rule)}",
        "",
    ]
    return "\n".join(lines)


_AVAILABILITY = {
    FixAvailability.ALWAYS: "always available",
    FixAvailability.SOMETIMES: "sometimes available",
    FixAvailability.NONE: "none",
}


_ASYNC_UNSAFE = (
    "Test files that run with `DJANGO_ALLOW_ASYNC_UNSAFE` set are not reported: a `conftest.py` "
    "in the test file's folder or a folder above it that does "
    '`os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")` or '
    '`os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = ...`, pytest-env\'s `env` option, or the test '
    "settings module setting it. Django then runs the sync query instead of raising "
    "SynchronousOnlyOperation, so the error this rule claims does not happen. The query still "
    "blocks the test's event loop, but in a test suite that is the author's explicit choice "
    "(the variable exists for this), and a finding there would be a false error. Code outside "
    "test files is judged as usual: the variable is set for the tests, not for production. "
    "Where the application's own files set it (its settings, `manage.py`/`asgi.py`/`wsgi.py`, a "
    "`.env` file, a docker-compose `environment:` or a Dockerfile `ENV`), the finding stays an "
    "error, since the query still blocks the event loop, and its message says so: it blocks "
    "the loop instead of raising, and where the variable is set."
)


def _needs(rule: type[Rule]) -> list[str]:
    return [
        *([rule.needs, ""] if rule.needs else []),
        *([_ASYNC_UNSAFE, ""] if rule.sync_only_query else []),
    ]


def _proof(rule: type[Rule]) -> str:
    examples = (*rule.invalid, *rule.valid)
    if all(example.outcome is not None for example in examples):
        return (
            "Every example on this page runs under real Django in the test suite and does what its "
            '"Under Django" line says.'
        )
    if any(example.outcome is not None for example in examples):
        return (
            'The examples followed by "Under Django" run under real Django in the test suite and '
            "do what it says; the others cannot be served as a view and are checked by the linter's "
            "own tests."
        )
    return "These examples are checked by the linter's own tests; they are not Django code to serve."


def _examples(examples: tuple[Example, ...]) -> list[str]:
    lines: list[str] = []
    for example in examples:
        if example.is_settings:
            lines += ["`settings.py`:", ""]
        lines += ["```python", example.code.rstrip("\n"), "```", ""]
        for name, source in example.files:
            fence = "python" if name.endswith(".py") else "text"
            lines += [f"`{name}`:", "", f"```{fence}", source.rstrip("\n"), "```", ""]
        outcome = example.outcome
        under = f"Under {example.django_requirement}" if example.django_requirement else "Under Django"
        if outcome is not None and outcome.exception:
            lines += [f"{under}: `{outcome.exception.rsplit('.', 1)[-1]}: {outcome.message}`", ""]
        elif outcome is not None and outcome.warning:
            lines += [f"Under Django: `{outcome.warning}: ... {outcome.warning_message}`", ""]
        elif outcome is not None and outcome.log:
            lines += [f"Under Django (DEBUG on), logged on `django.request`: `{outcome.log}`", ""]
        elif outcome is not None and outcome.runs_on_loop:
            lines += [
                f"Under Django: `{outcome.runs_on_loop}` runs on the event loop's thread, stalling it.",
                "",
            ]
        elif outcome is not None and outcome.connection_left_open is not None:
            state = "stays open" if outcome.connection_left_open else "is closed"
            reply = (
                "Under Django: the consumer replies, and the database connection of the thread its sync work"
            )
            lines += [f"{reply} ran in {state}.", ""]
        elif outcome is not None:
            lines += [f"{under}: answers 200.", ""]
        if example.fixed is not None:
            lines += ["With its fix applied:", "", "```python", example.fixed.rstrip("\n"), "```", ""]
    return lines


def index_page() -> str:
    lines = [
        "# Rules",
        "",
        "Generated from the rule classes by `python -m asyncdj_lint.docs`; do not edit by hand.",
        "",
        "| code | name | severity | fix | summary |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in all_rules():
        fix = "" if rule.fix_availability is FixAvailability.NONE else rule.fix_availability.value
        lines.append(
            f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity.value} | {fix} | {rule.summary} |"
        )
    return "\n".join(lines) + "\n"


def expected_pages() -> dict[str, str]:
    pages = {"README.md": index_page()}
    pages.update({f"{rule.code}.md": rule_page(rule) for rule in all_rules()})
    return pages


def write_pages(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    pages = expected_pages()
    for stale in folder.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_pages(Path(__file__).resolve().parents[2] / "rules")
