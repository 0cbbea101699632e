"""Korean feedback: the words a student reads are translated, including where a failing
example stands in a sequence of steps or calls."""

from __future__ import annotations

from grader.i18n import localize
from grader.results import CheckResult, Example, PartResult, SubmissionResult


def _result(inputs: str) -> SubmissionResult:
    check = CheckResult(name="x", passed=False, points=0.0, max_points=1.0, message="m",
                        example=Example(inputs=inputs, expected="1", got="2"))
    part = PartResult(id="adam", title="Adam", score=0.0, max_score=1.0, checks=(check,))
    return SubmissionResult(name="s", parts=(part,))


def test_step_and_call_positions_are_translated():
    ko = localize(_result("step 2 of 12: adam_step(array([1.0]), t=2)"), "ko")
    inputs = ko.parts[0].checks[0].example.inputs
    assert inputs == "스텝 2/12: adam_step(array([1.0]), t=2)"
    ko = localize(_result("call 1 of 3: batchnorm_train(x)"), "ko")
    assert ko.parts[0].checks[0].example.inputs == "호출 1/3: batchnorm_train(x)"


def test_english_examples_and_other_inputs_are_left_alone():
    en = _result("step 2 of 12: adam_step(x)")
    assert localize(en, "en") is en
    ko = localize(_result("adam_step(x)  # step 2 of 12"), "ko")
    assert ko.parts[0].checks[0].example.inputs == "adam_step(x)  # step 2 of 12"
