"""Every rule example, served by real Django, does exactly what its Outcome says."""

import django
import pytest
from packaging.requirements import Requirement

from asyncdj_lint.rules import all_rules
from asyncdj_lint.rules.base import Example
from tests.runtime.harness import assert_outcome, serve_example

pytestmark = pytest.mark.runtime

_NOT_SERVABLE = pytest.mark.skip(reason="outcome=None: documentation and lint tests only")


def _marks(example: Example) -> tuple[pytest.MarkDecorator, ...]:
    """Not servable, or declaring a Django the installed one is not (ADJ515's examples run
    under a Django their requirement admits: CI serves them under 4.2 as well)."""
    if example.outcome is None:
        return (_NOT_SERVABLE,)
    declared = example.django_requirement
    if declared and not Requirement(declared).specifier.contains(django.get_version()):
        return (pytest.mark.skip(reason=f"declares {declared}; Django {django.get_version()} is installed"),)
    return ()


def _examples():
    for rule in all_rules():
        for kind in ("invalid", "valid"):
            for index, example in enumerate(getattr(rule, kind)):
                yield pytest.param(example, id=f"{rule.code}-{kind}-{index}", marks=_marks(example))


@pytest.mark.parametrize("example", list(_examples()))
def test_example_does_what_its_outcome_says(example):
    assert_outcome(example)


def _fixed_examples():
    for rule in all_rules():
        for index, example in enumerate(rule.invalid):
            if example.fixed is not None and example.outcome is not None:
                fixed = Example(example.fixed, files=example.files, is_settings=example.is_settings)
                yield pytest.param(fixed, id=f"{rule.code}-invalid-{index}-fixed", marks=_marks(fixed))


@pytest.mark.parametrize("example", list(_fixed_examples()))
def test_failing_example_once_fixed_is_served_without_error_or_warning(example):
    result = serve_example(example)
    assert result.error is None, result.error.traceback
    assert result.status is not None and result.status < 500
    assert result.warnings == ()
