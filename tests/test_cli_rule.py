"""`asyncdj-lint rule`: one rule's documentation, or the list of every rule."""

from __future__ import annotations

from click.testing import CliRunner

from asyncdj_lint.cli import main
from asyncdj_lint.rules import all_rules
from asyncdj_lint.rules.adj101_blocking_orm_call import BlockingOrmCall
from asyncdj_lint.terminal import render_rule


def test_rule_code_prints_the_page_without_markdown_markup_when_not_a_terminal():
    result = CliRunner().invoke(main, ["rule", "adj101"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "ADJ101: blocking-orm-call"
    assert "Severity: error. Django versions: 4.2 to 6.1." in lines
    assert "What it does" in lines and "Why is this bad?" in lines and "Use instead" in lines
    assert "        product = await Product.objects.aget(pk=pk)" in lines
    assert "```" not in result.output and "**" not in result.output


def test_rule_page_is_styled_when_colour_is_wanted():
    page = render_rule(BlockingOrmCall, colour=True)
    assert page.startswith("\x1b[1m\x1b[4mADJ101: blocking-orm-call\x1b[0m\n")
    assert "\x1b[36maget()\x1b[0m" in page


def test_rule_all_lists_code_severity_versions_name_and_summary_of_every_rule():
    result = CliRunner().invoke(main, ["rule", "--all"])
    assert result.exit_code == 0
    assert "ADJ101  error     4.2 to 6.1  blocking-orm-call\n" in result.output
    assert (
        "        A QuerySet or Manager method that runs a query is called in async code.\n" in result.output
    )
    listed = [line.split()[0] for line in result.output.splitlines() if not line.startswith(" ")]
    assert listed == [rule.code for rule in all_rules()]


def test_rule_with_an_unknown_code_is_a_usage_error():
    result = CliRunner().invoke(main, ["rule", "ADJ999"])
    assert result.exit_code == 2
    assert "unknown rule code: ADJ999" in result.output


def test_rule_code_shows_fix_safety_and_the_example_with_its_fix_applied():
    result = CliRunner().invoke(main, ["rule", "ADJ105"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "Stable since 0.1.0. Fix: sometimes available." in lines
    assert "Fix safety" in lines and "With its fix applied:" in lines
    assert "        await product.asave()" in lines
