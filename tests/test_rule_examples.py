"""Every rule's own examples, pinned exactly as Fixit's `Valid` and `Invalid` cases.

An invalid example must produce exactly its `expected` findings of the rule
(message and range) and, where they offer fixes, exactly its `fixed` code once
they are applied; the fixed code is silent for the rule. A valid example
produces no finding at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from asyncdj_lint import __version__
from asyncdj_lint.fixes import FixAvailability, apply_fixes
from asyncdj_lint.rules import all_rules
from asyncdj_lint.rules.base import Example
from tests.helpers import lint_example

CASES = [
    pytest.param(rule, example, kind, id=f"{rule.code}-{kind}-{i}")
    for rule in all_rules()
    for kind, examples in (("invalid", rule.invalid), ("valid", rule.valid))
    for i, example in enumerate(examples)
]


@pytest.mark.parametrize(("rule", "example", "kind"), CASES)
def test_rule_example(rule, example, kind):
    found = lint_example(example)
    if kind == "valid":
        assert found == [], f"valid example of {rule.code} reported: {found}"
        assert example.expected == () and example.fixed is None
        return
    own = [d for d in found if d.code == rule.code]
    spans = [(f"{d.line}:{d.column}-{d.end_line}:{d.end_column}", d.message) for d in own]
    assert spans == [(e.span, e.message) for e in example.expected]
    fixes = [d.fix for d in own if d.fix is not None]
    if example.fixed is None:
        assert fixes == [], f"{rule.code} offers a fix its example does not pin"
        return
    result = apply_fixes(example.code, fixes)
    assert (result.remaining, result.dropped) == ((), ())
    assert result.source == example.fixed
    again = lint_example(Example(example.fixed, files=example.files, is_settings=example.is_settings))
    assert [d for d in again if d.code == rule.code] == []


def test_every_rule_has_examples_both_ways():
    for rule in all_rules():
        assert rule.invalid and rule.valid, rule.code
        assert all(example.expected for example in rule.invalid), rule.code


def test_fix_availability_agrees_with_the_examples_and_the_docs():
    for rule in all_rules():
        fixed = [example.fixed is not None for example in rule.invalid]
        expected = {
            FixAvailability.ALWAYS: all(fixed),
            FixAvailability.SOMETIMES: any(fixed),
            FixAvailability.NONE: not any(fixed),
        }
        assert expected[rule.fix_availability], rule.code
        offers = rule.fix_availability is not FixAvailability.NONE
        assert (rule.fix_safety == "This rule offers no fix.") is not offers, rule.code


def test_every_rule_is_stable_since_a_released_version():
    released = tuple(int(part) for part in __version__.split("."))
    upcoming = (released[0], released[1] + 1, 0)  # a rule added since: the next release ships it
    for rule in all_rules():
        assert re.fullmatch(r"\d+\.\d+\.\d+", rule.stable_since), rule.code
        assert tuple(int(part) for part in rule.stable_since.split(".")) <= upcoming, rule.code


def test_one_name_per_rule_in_its_code_module_class_and_docs():
    for rule in all_rules():
        module = Path(rule.__module__.replace(".", "/")).name
        assert module == f"{rule.code.lower()}_{rule.name.replace('-', '_')}", rule.code
        assert rule.__name__.lower() == rule.name.replace("-", ""), rule.code
