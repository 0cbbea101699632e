"""Hidden checks run last: nothing a student reads depends on what they showed.

Once a hidden check has run, the student's code may know its inputs (it can keep them
in a global, or on disk). The engine therefore runs every public check, and every
part's diagnosis, before any hidden check (grader/engine.py): a public check sees the
student's code in the same state whether hidden checks run or not (red team: a later
part's exception message used to carry the hidden inputs it had logged).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.assignments import get
from grader.checking import Settings
from grader.engine import grade

ROOT = Path(__file__).resolve().parents[1]

LOGGER = '''

_CALLS = []
_exponential_decay = exponential_decay


def exponential_decay(step, *args, **kwargs):
    _CALLS.append(repr((step, args, sorted(kwargs.items()))))
    return _exponential_decay(step, *args, **kwargs)


def piecewise_constant_decay(step, boundaries, values):
    raise ValueError(f"CALLS-SO-FAR={len(_CALLS)} LAST={_CALLS[-3:]}")
'''


def _messages(result, part_id):
    part = result.part(part_id)
    return [(c.name, c.message) for c in part.checks if not c.hidden]


def test_public_checks_see_the_same_code_with_or_without_hidden_checks(tmp_path):
    sub = tmp_path / "sub"
    shutil.copytree(ROOT / "solutions" / "lr_schedules", sub)
    path = sub / "schedules.py"
    path.write_text(path.read_text(encoding="utf-8") + LOGGER, encoding="utf-8")
    assignment = get("lr_schedules")
    parts = ["exponential_decay", "piecewise_constant"]
    public = grade(sub, assignment, parts=parts, hidden=False, settings=Settings(max_examples=3))
    full = grade(sub, assignment, parts=parts, hidden=True, settings=Settings(max_examples=3))
    seen = _messages(public, "piecewise_constant")
    assert any("CALLS-SO-FAR=" in m for _, m in seen)  # the logger did run
    assert _messages(full, "piecewise_constant") == seen
    # and the hidden checks did run, after them
    assert any(c.hidden for c in full.part("exponential_decay").checks)
    assert full.part("exponential_decay").full


def _decay_steps_only_in_hidden_cases():
    """A decay_steps of exponential_decay that only hidden cases use (the public cases
    and the recorded property examples never do)."""
    from grader.reference import load_cases

    def values(cases):
        return {c.inputs["kwargs"]["decay_steps"] for c in cases}

    public = values(load_cases("lr_schedules", "exponential_decay", False))
    examples = (ROOT / "grader" / "assignments" / "lr_schedules" / "reference"
                / "exponential_decay.examples.json").read_text(encoding="utf-8")
    only = sorted(v for v in values(load_cases("lr_schedules", "exponential_decay", True))
                  if v not in public and f'"decay_steps":{v},' not in examples.replace(" ", ""))
    assert only, "the hidden cases use no decay_steps of their own any more: pick another input"
    return only[0]


CRASH_ON = '''

import os as _os
_exponential_decay_ok = exponential_decay


def exponential_decay(step, initial_learning_rate, decay_steps, *args, **kwargs):
    if decay_steps == {value}:
        _os._exit(3)   # crashes only on a hidden input
    return _exponential_decay_ok(step, initial_learning_rate, decay_steps, *args, **kwargs)
'''


def test_a_crash_on_a_hidden_input_is_not_told_in_the_restart_note(tmp_path):
    """The note "your code's process was restarted N time(s)" counts the restarts before
    the hidden checks: a crash chosen by a hidden input would tell "crashed" from "wrong
    value" otherwise (red team)."""
    from grader.report import student_view

    sub = tmp_path / "sub"
    shutil.copytree(ROOT / "solutions" / "lr_schedules", sub)
    path = sub / "schedules.py"
    path.write_text(path.read_text(encoding="utf-8")
                    + CRASH_ON.format(value=_decay_steps_only_in_hidden_cases()), encoding="utf-8")
    result = grade(sub, get("lr_schedules"), parts=["exponential_decay"], hidden=True,
                   settings=Settings(max_examples=3))
    part = result.part("exponential_decay")
    assert not part.full and all(c.passed for c in part.checks if not c.hidden)  # it did crash
    shown = student_view(result)
    assert not any("restarted" in n for n in shown.notes), shown.notes


def test_a_failing_hidden_check_shows_nothing_even_in_a_part_with_an_error():
    """The student's code decides some part errors ("not implemented yet": every check
    raised NotImplementedError, with a message of its choosing); a failing hidden check
    that ran shows neither its message nor its example. A check that never ran (the part
    could not be graded) keeps the reason, which is known before any check."""
    from grader.report import HIDDEN_FAILED, student_view
    from grader.results import CheckResult, Example, PartResult, SubmissionResult

    leak = "raised NotImplementedError: J=[(0, 7, 0.5)]"
    ran = PartResult(id="a", title="A", score=0.0, max_score=1.0, error="not implemented yet", checks=(
        CheckResult(name="hidden", passed=False, points=0.0, max_points=1.0, message=leak,
                    example=Example(inputs="x(7)"), hidden=True),))
    never = PartResult(id="b", title="B", score=0.0, max_score=1.0, error="b.py not found", checks=(
        CheckResult(name="hidden", passed=False, points=0.0, max_points=1.0,
                    message="b.py not found", hidden=True),))
    shown = student_view(SubmissionResult(name="s", parts=(ran, never)))
    assert shown.parts[0].checks[0].message == HIDDEN_FAILED
    assert shown.parts[0].checks[0].example is None
    assert shown.parts[1].checks[0].message == "b.py not found"
