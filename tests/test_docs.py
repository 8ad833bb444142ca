"""The rule reference in rules/ is generated from the rule classes and must match them."""

from __future__ import annotations

from pathlib import Path

from asyncdj_lint.docs import expected_pages
from asyncdj_lint.rules import all_rules

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
HEADINGS = [
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix safety",
    "## Django versions",
]


def test_every_rule_page_in_rules_folder_is_up_to_date():
    stale = [
        name
        for name, text in expected_pages().items()
        if not (RULES_DIR / name).exists() or (RULES_DIR / name).read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"stale pages {stale}: run `python -m asyncdj_lint.docs`"


def test_rules_folder_holds_no_page_for_a_rule_that_does_not_exist():
    assert sorted(p.name for p in RULES_DIR.glob("*.md")) == sorted(expected_pages())


def test_every_rule_page_has_the_same_headings_in_the_same_order():
    for rule in all_rules():
        page = expected_pages()[f"{rule.code}.md"]
        headings = [line for line in page.splitlines() if line.startswith("## ")]
        # "What it needs to know" follows "Why is this bad?" on the rules that read settings or the test set-up.
        expected = (
            [*HEADINGS[:2], "## What it needs to know", *HEADINGS[2:]]
            if rule.needs or rule.sync_only_query
            else HEADINGS
        )
        assert headings == expected, rule.code


def test_readme_links_the_rule_index():
    readme = (RULES_DIR.parent / "README.md").read_text(encoding="utf-8")
    assert "(rules/README.md)" in readme
