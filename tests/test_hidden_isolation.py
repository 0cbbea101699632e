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
