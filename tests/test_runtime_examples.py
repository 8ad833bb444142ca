"""Every rule example, served by real Django, does exactly what its Outcome says."""

from contextlib import nullcontext

import django
import pytest
from packaging.requirements import Requirement

from asyncdj_lint.fixes import FixAvailability
from asyncdj_lint.rules import all_rules
from asyncdj_lint.rules.base import RESPONDS_OK, Example, Rule
from tests.runtime.harness import assert_outcome, serve_example
from tests.runtime.loop_probe import probe

pytestmark = pytest.mark.runtime

_NOT_SERVABLE = pytest.mark.skip(reason="outcome=None: documentation and lint tests only")


def _marks(example: Example) -> tuple[pytest.MarkDecorator, ...]:
    """Not servable, or declaring a Django the installed one is not; an example that declares
    one the installed Django is marked `declares_django` (CI serves those under 4.2 as well:
    ADJ515's examples, and the fixes written for a target before 5.0, 5.1 or 5.2)."""
    if example.outcome is None:
        return (_NOT_SERVABLE,)
    declared = example.django_requirement
    if not declared:
        return ()
    if not Requirement(declared).specifier.contains(django.get_version()):
        return (pytest.mark.skip(reason=f"declares {declared}; Django {django.get_version()} is installed"),)
    return (pytest.mark.declares_django,)


def _examples():
    for rule in all_rules():
        for kind in ("invalid", "valid"):
            for index, example in enumerate(getattr(rule, kind)):
                yield pytest.param(example, id=f"{rule.code}-{kind}-{index}", marks=_marks(example))


@pytest.mark.parametrize("example", list(_examples()))
def test_example_does_what_its_outcome_says(example):
    assert_outcome(example)


# Exceptions Django turns into a response once the code runs where it should.
_RESPONSE_OF = {"django.core.exceptions.PermissionDenied": 403, "django.http.Http404": 404}


def _fixed_examples():
    for rule in all_rules():
        for index, example in enumerate(rule.invalid):
            if example.fixed is not None and example.outcome is not None:
                yield pytest.param(
                    rule, example, id=f"{rule.code}-invalid-{index}-fixed", marks=_marks(example)
                )


@pytest.mark.parametrize(("rule", "example"), list(_fixed_examples()))
def test_failing_example_once_fixed_returns_a_clean_response(rule: type[Rule], example: Example) -> None:
    """The fixed code (tests/test_rule_examples.py pins it as the fix's output) answers with no
    exception and no warning: 200, or the response Django makes of the exception that escaped
    before (a 403 for PermissionDenied); the blocking call it made no longer runs on the loop."""
    assert example.outcome is not None and example.fixed is not None
    assert example.outcome != RESPONDS_OK, f"{rule.code}: a fixed example must fail before its fix"
    fixed = Example(example.fixed, files=example.files, is_settings=example.is_settings)
    blocking = example.outcome.runs_on_loop
    with probe(blocking) if blocking else nullcontext([]) as calls:
        result = serve_example(fixed)
    assert result.error is None, result.error
    assert result.status == _RESPONSE_OF.get(example.outcome.exception, 200)
    assert result.warnings == ()
    assert not [call for call in calls if call.loop_running], f"{blocking} still runs on the loop: {calls}"


def test_every_rule_with_a_fix_serves_a_fixed_example() -> None:
    """Each fixable rule's failing example is proven fixed by running it (unless none can be served)."""
    unserved = {
        rule.code
        for rule in all_rules()
        if rule.fix_availability is not FixAvailability.NONE
        and not any(e.fixed is not None and e.outcome is not None for e in rule.invalid)
    }
    # ADJ002 (an unused noqa) and ADJ405 (a bridge around an async callable, docs only) have no
    # failing request to serve.
    assert unserved <= {"ADJ002", "ADJ405"}, unserved
