"""Time budgets from evidence (issue 15 items 1-3): each function's budget is recorded
from the loop solution's times; a function that hung (or keeps crashing) is not called
again; the whole submission's budget is sized to the assignment. Behaviour only: no
test here asserts a wall time."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from grader import budgets
from grader.assignments import get
from grader.checking import Settings
from grader.engine import grade
from grader.sandbox import runner
from grader.sandbox.runner import Limits, Sandbox

from .helpers import ROOT, SOLUTIONS, grade_path

SOL_OPT = (SOLUTIONS / "optimizers.py").read_text()
LOOPS = ROOT / "grader" / "assignments" / "training" / "authoring" / "loops"
CORPUS = ROOT / "tests" / "corpus"
EXAMPLES = ROOT / "examples" / "submissions"


def _with(tmp_path: Path, name: str, extra: str) -> Path:
    sub = tmp_path / name
    sub.mkdir()
    (sub / "optimizers.py").write_text(SOL_OPT + "\n\n" + extra)
    return sub


@pytest.fixture
def sent(monkeypatch) -> list:
    """The JSON bodies of every request the grader sends to a worker (trusted side)."""
    bodies: list = []
    real = Sandbox._request

    def counting(self, req, timeout):
        bodies.append(req if isinstance(req, bytes) else self._body(req))
        return real(self, req, timeout)
    monkeypatch.setattr(Sandbox, "_request", counting)
    return bodies


def _requests_to(bodies, name: str, op: str = "call") -> int:
    return sum(1 for b in bodies
               if json.loads(b).get("op") == op and json.loads(b).get("name") == name)


# -- item 1: budgets from evidence ------------------------------------------------------------

def test_every_part_has_a_recorded_budget_far_above_the_loop_solution():
    spec = get()
    recorded = budgets.recorded(spec.name)
    assert set(recorded) == set(spec.part_ids)
    for part in spec.parts:
        b = budgets.for_part(spec.name, part, ceiling=10.0)
        measured = recorded[part.id]
        assert measured["total"] > 0
        assert b.call >= budgets.FLOOR
        assert b.call >= min(10.0, budgets.MULTIPLE * measured["call"])
        # a trajectory in one request, or an early-stopping script, is sized by its length
        assert b.of(100) >= b.call + 100 * budgets.MULTIPLE * measured["unit"] - 1e-9 \
            or b.of(100) == 10.0
    # the whole assignment: seconds to a minute, not twenty minutes
    assert 10 <= budgets.submission_seconds(spec.name, spec.parts, 1200.0) <= 120


def test_nothing_recorded_means_the_flat_limits():
    spec = get()
    budgets.APPLY[0] = False
    try:
        assert budgets.for_part(spec.name, spec.part("adam"), 7.0).call == 7.0
        assert budgets.submission_seconds(spec.name, spec.parts, 99.0) == 99.0
    finally:
        budgets.APPLY[0] = True


def test_the_recorded_budget_is_the_one_a_hang_meets(tmp_path):
    """With the default Limits (10 s per call), a hanging function is stopped after its
    recorded budget, and the message says which."""
    spec = get()
    expected = budgets.for_part(spec.name, spec.part("nesterov"), Limits().call_seconds).call
    assert expected < Limits().call_seconds
    sub = _with(tmp_path, "hang", "def nesterov_step(*a, **k):\n    while True:\n        pass\n")
    result = grade_path(sub, parts=["nesterov", "momentum"])
    msgs = [c.message for c in result.part("nesterov").checks if not c.passed]
    assert f"did not finish within {expected:.3g} s" in msgs[0]
    assert result.part("momentum").full


def test_a_part_may_override_its_budget():
    spec = get()
    part = replace(spec.part("nesterov"), call_seconds=1.25)
    assert budgets.for_part(spec.name, part, 10.0).call == 1.25


@pytest.mark.slow  # (a hang meets the budget for_part gives: test_the_recorded_budget_is_the_one_a_hang_meets)
def test_a_hang_meets_the_budget_its_part_declares(tmp_path):
    spec = get()
    part = replace(spec.part("nesterov"), call_seconds=1.25)
    custom = replace(spec, parts=tuple(part if p.id == "nesterov" else p for p in spec.parts))
    sub = _with(tmp_path, "hang", "def nesterov_step(*a, **k):\n    while True:\n        pass\n")
    result = grade(sub, custom, parts=["nesterov"], hidden=False, settings=Settings(max_examples=8))
    assert any("did not finish within 1.25 s" in c.message for c in result.part("nesterov").checks)


@pytest.mark.slow
@pytest.mark.parametrize("folder", [LOOPS, CORPUS / "correct_loops"], ids=["authoring", "corpus"])
def test_correct_solutions_written_with_loops_get_full_marks(folder):
    """The contract's promise: a correct solution written with Python loops passes every
    check (public and hidden) within the recorded budgets."""
    result = grade(folder, get(), hidden=True, settings=Settings())
    assert result.score == result.max_score, [
        (p.id, c.name, c.message[:200]) for p in result.parts for c in p.checks if not c.passed]


@pytest.mark.slow
def test_recording_times_the_loop_solution(tmp_path):
    from grader.authoring.budgets import record_budgets

    path = record_budgets("training", ["nesterov"], root=tmp_path, log=lambda *_: None)
    doc = json.loads(path.read_text())
    assert set(doc["parts"]) == {"nesterov"}
    figures = doc["parts"]["nesterov"]
    assert figures["call"] > 0 and figures["unit"] > 0 and figures["total"] > 0
    assert doc["meta"]["solution"] == "grader/assignments/training/authoring/loops"


# -- item 2: a function that hung is not waited on again ----------------------------------------

def test_a_function_that_hung_is_called_once_and_its_other_checks_say_not_run(tmp_path, sent):
    sub = _with(tmp_path, "hang", "def adam_step(*a, **k):\n    while True:\n        pass\n")
    result = grade_path(sub, parts=["adam", "momentum"], limits=Limits(call_seconds=1.0))
    # one call hung (a trajectory batch before it may have hung too, as one request)
    assert _requests_to(sent, "adam_step") == 1
    assert _requests_to(sent, "adam_step", "steps") <= 1
    failing = [c for c in result.part("adam").checks if not c.passed]
    assert len(failing) == len(result.part("adam").checks) >= 3
    assert "did not finish within 1 s" in failing[0].message
    assert "adam_step(array(" in failing[0].message  # the call that hung, shown
    for check in failing[1:]:
        assert "was not run: earlier in this submission, adam_step(array(" in check.message
        assert "remaining checks that call it were not run" in check.message
        assert check.example is None and not check.diagnosis  # nothing ran: nothing to show
    assert result.part("momentum").full
    assert "restarted 1 time(s)" in " ".join(result.notes)


def test_a_function_that_keeps_crashing_stops_being_restarted(tmp_path, sent):
    sub = _with(tmp_path, "crash", "def rmsprop_step(*a, **k):\n    import os\n    os._exit(7)\n")
    result = grade_path(sub, parts=["rmsprop", "momentum"])
    assert _requests_to(sent, "rmsprop_step") == runner.CRASH_TRIES
    messages = [c.message for c in result.part("rmsprop").checks]
    assert "exited with status 7" in messages[0]
    assert any("was not run" in m and f"{runner.CRASH_TRIES} times" in m for m in messages)
    assert result.part("momentum").full
    assert f"restarted {runner.CRASH_TRIES} time(s)" in " ".join(result.notes)


def test_restarts_are_capped_by_default():
    assert Limits().max_restarts <= 12  # was 50


# -- item 3: the submission's budget ------------------------------------------------------------

def test_when_the_submission_budget_runs_out_the_rest_is_not_run(tmp_path, monkeypatch):
    monkeypatch.setattr(budgets, "submission_seconds", lambda *a, **k: 1.5)
    sub = _with(tmp_path, "hangs", "def adam_step(*a, **k):\n    while True:\n        pass\n"
                "def adamw_step(*a, **k):\n    while True:\n        pass\n")
    result = grade_path(sub, parts=["adam", "adamw", "momentum", "nesterov"],
                        limits=Limits(call_seconds=1.0))
    later = [c.message for pid in ("adamw", "momentum", "nesterov")
             for c in result.part(pid).checks]
    assert any("time budget used up" in m for m in later)
    for check in result.part("nesterov").checks:
        assert "not run: time budget used up" in check.message and check.example is None


def _flat():
    """Grading as before issue 15: a flat 10 s per call, 20 minutes per submission."""
    budgets.APPLY[0] = False
    return Limits(submission_seconds=1200.0, max_restarts=50)


@pytest.mark.slow
def test_a_submission_that_never_hangs_grades_as_with_the_flat_budgets():
    """The example submissions and the corpus (but its hanging ones) get the same result,
    to every message, with recorded budgets as with the old flat ones."""
    folders = sorted(p for p in EXAMPLES.iterdir()) + sorted(
        p for p in CORPUS.iterdir() if (p / "EXPECTED.json").is_file()
        and "limits" not in json.loads((p / "EXPECTED.json").read_text())
        and json.loads((p / "EXPECTED.json").read_text()).get("layout", "folder") == "folder")
    assert len(folders) > 10
    spec = get()
    for folder in folders:
        now = grade(folder, spec, hidden=True, settings=Settings(max_examples=8)).to_dict()
        try:
            before = grade(folder, spec, hidden=True, settings=Settings(max_examples=8),
                           limits=_flat()).to_dict()
        finally:
            budgets.APPLY[0] = True
        assert now == before, folder.name


# -- item 4: feedback sooner (the same feedback) --------------------------------------------------

def test_recorded_data_is_read_while_the_worker_starts_once_per_process(monkeypatch):
    from grader import engine, reference

    monkeypatch.setattr(engine, "_PREFETCHED", set())
    reference._load.cache_clear()
    spec = get()
    thread = engine._prefetch(spec, [spec.part("adam"), spec.part("dropout")], hidden=False)
    assert thread is not None
    thread.join()
    hits = reference._load.cache_info().hits
    reference.load_cases(spec.name, "adam", False)
    assert reference._load.cache_info().hits == hits + 1  # already read by the thread
    assert engine._prefetch(spec, [spec.part("adam")], hidden=False) is None


def test_check_probes_bubblewrap_early_only_when_it_may_use_it(monkeypatch):
    import threading

    from grader import cli

    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self.name))
    monkeypatch.setenv("GRADER_SANDBOX", "fallback")
    cli._probe_early()
    monkeypatch.setenv("GRADER_SANDBOX", "nonsense")
    cli._probe_early()
    assert started == []
    monkeypatch.setenv("GRADER_SANDBOX", "auto")
    cli._probe_early()
    assert started == ["grader-probe"]


def test_a_trajectory_or_an_early_stopping_script_gets_a_budget_sized_by_its_length(tmp_path):
    import numpy as np

    with Sandbox(tmp_path, (), Limits(call_seconds=10.0)) as box:
        box.budgets = {("optimizers", "adam_step"): budgets.Budget(1.0, 0.05, 10.0),
                       ("early_stopping", "EarlyStopping"): budgets.Budget(1.0, 0.01, 10.0)}
        grads = [np.zeros(2)] * 12
        assert box._budget(("call", "optimizers", "adam_step", (), {}, {})) == 1.0
        # a driven request (a trajectory in one go, an early-stopping script) is sized by
        # the units (steps, epochs) its caller says it runs
        assert box._budget(("drive", "optimizers", "adam_step", "steps", {}, len(grads), "", True)) \
            == pytest.approx(1.0 + 12 * 0.05)
        assert box._budget(("drive", "optimizers", "adam_step", "steps", {}, 50 * len(grads), "",
                            True)) == 10.0  # never above the Limits' ceiling
        assert box._budget(("drive", "early_stopping", "EarlyStopping", "callback_script", {}, 7 + 3,
                            "", False)) == pytest.approx(1.0 + 10 * 0.01)
        assert box._budget(("call", "optimizers", "nesterov_step", (), {}, {})) == 10.0  # unknown


def test_re_recording_keeps_the_budgets_unless_the_speed_really_changed():
    """Timings vary from run to run (an order of magnitude on a loaded machine): a
    re-measurement that could not change a budget keeps the recorded figures, so that
    `grader record` rewrites nothing for noise; a real change replaces them."""
    from grader.authoring.budgets import _same_speed

    old = {"call": 0.005, "unit": 0.0007, "total": 0.25}
    assert _same_speed(old, {"call": 0.0002, "unit": 0.0002, "total": 0.13})  # noise, all negligible
    assert _same_speed({"call": 0.09, "unit": 0.0, "total": 0.8}, {"call": 0.12, "unit": 0.0, "total": 0.7})
    assert not _same_speed({"call": 0.09, "unit": 0.0, "total": 0.8}, {"call": 0.5, "unit": 0.0, "total": 0.8})
    assert not _same_speed(old, {"call": 0.005, "unit": 0.05, "total": 0.25})  # steps 70x slower
    assert not _same_speed(None, old) and not _same_speed({"call": 1}, old)
