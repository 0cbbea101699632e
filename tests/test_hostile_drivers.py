"""Hostile results from the student's process (red-team review, finding 3).

An assignment's drivers run in the worker, beside the student's code: what they return
is the student's output. Code that reaches past the fake model (a huge int where the
weights are), replaces a driver (``sys.modules["_grader_drivers"]``), or even the wire
encoder (``sys.modules["_grader_wire"]``) must be graded like any other wrong code: the
affected checks fail with a message, the others are graded as usual, and nothing
escapes as an error of the grader. Every submission here is graded in the sandbox, with
its limits (``grade``).

The lr_schedules repros are in tests/test_lr_schedules.py; here: the wire (both sides),
the training assignment's drivers (callback script, batched steps), and one run of each
command (``check`` exits 1, not 3; ``grade`` grades every submission).
"""

from __future__ import annotations

import csv
import json
import textwrap
from enum import IntEnum

import numpy as np
import pytest

from grader.assignments import get
from grader.checking import Settings
from grader.engine import grade
from grader.sandbox import wire

from .helpers import ROOT, copy_solutions, grade_path, lost_points, run_grader

LR_SOLUTIONS = ROOT / "solutions" / "lr_schedules"


def _append(path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + textwrap.dedent(text),
                    encoding="utf-8")


def _prepend(path, text: str) -> None:
    path.write_text(textwrap.dedent(text) + "\n" + path.read_text(encoding="utf-8"),
                    encoding="utf-8")


def _messages(part) -> str:
    return "\n".join(c.message for c in part.checks if not c.passed)


# -- the wire: no int beyond 64 bits crosses, either way ---------------------------------------

@pytest.mark.parametrize("value", [10 ** 400, -(10 ** 400), 1 << 64, -(1 << 63) - 1,
                                   [1.0, 10 ** 30], (1, {"a": [2 ** 70]}),
                                   {"lr": 10 ** 20}])
def test_wire_refuses_integers_beyond_64_bits(value):
    with pytest.raises(wire.WireError, match="integer too large"):
        wire.encode(value)
    # what a worker that skipped encode would send: refused when it is read
    with pytest.raises(wire.WireError, match="integer too large"):
        wire.decode(json.loads(json.dumps(value if not isinstance(value, tuple)
                                          else list(value))))


def test_wire_keeps_every_64_bit_integer():
    edge = [-(1 << 63), (1 << 63) - 1, (1 << 64) - 1, 0, True, False]
    assert wire.loads(wire.dumps(edge)) == edge
    assert [type(v) for v in wire.loads(wire.dumps(edge))] == [int] * 4 + [bool] * 2

    class Big(IntEnum):
        HUGE = 10 ** 30
        SMALL = 3

    assert wire.encode([Big.SMALL]) == [3] and type(wire.encode([Big.SMALL])[0]) is int
    with pytest.raises(wire.WireError, match="integer too large"):
        wire.encode({"x": Big.HUGE})


# -- the trusted side reads a reply that skipped the wire's checks --------------------------------

def test_a_worker_whose_encoder_was_replaced_cannot_send_a_huge_int(tmp_path):
    """The student's code replaces the worker's encoder by the identity: its huge int
    reaches the grader raw, and the grader's own decode refuses it (the check fails, and
    says why); the replies that hold plain data still work."""
    sub = tmp_path / "sub"
    sub.mkdir()
    for name in ("schedules.py", "plateau.py"):
        (sub / name).write_bytes((LR_SOLUTIONS / name).read_bytes())
    _prepend(sub / "schedules.py", """\
        import sys
        sys.modules["_grader_wire"].encode = lambda obj, _depth=0: obj
        """)
    _append(sub / "schedules.py", """\
        _exponential_decay = exponential_decay

        def exponential_decay(step, initial_learning_rate, decay_steps, decay_rate,
                              staircase=False):
            if decay_steps <= 0:
                return 10 ** 400    # instead of raising ValueError
            return _exponential_decay(step, initial_learning_rate, decay_steps, decay_rate,
                                      staircase)
        """)
    result = grade(sub, get("lr_schedules"), parts=["exponential_decay", "cosine_decay"],
                   hidden=True, settings=Settings(max_examples=4))
    decay = result.part("exponential_decay")
    failed = [c for c in decay.checks if not c.passed]
    assert failed and all("integer too large" in c.message for c in failed), _messages(decay)
    assert "raises ValueError" in failed[0].name
    assert result.part("cosine_decay").full, _messages(result.part("cosine_decay"))


# -- training: the callback driver -------------------------------------------------------------

ES = "early_stopping"


def test_weights_replaced_by_a_huge_int_fail_early_stopping_only(tmp_path):
    """The repro: set_model replaces model.get_weights with ``lambda: [10**400]``."""
    sub = copy_solutions(tmp_path / "sub")
    _append(sub / "early_stopping.py", """\
        _EarlyStopping = EarlyStopping

        class EarlyStopping(_EarlyStopping):
            def set_model(self, model):
                super().set_model(model)
                model.get_weights = lambda: [10 ** 400]
        """)
    result = grade_path(sub, parts=["momentum", ES])
    assert lost_points(result) == {ES: 17}, lost_points(result)
    messages = _messages(result.part(ES))
    assert "cannot read" in messages and "integer too large" in messages, messages


GARBAGE = {
    "a string": "'garbage'",
    "a list of ints": "[1, 2, 3]",
    "no trainings": "[]",
    "a huge epoch count": "[{'epochs_run': 2 ** 62, 'final_weights': [], 'attrs': {}}"
                          " for _ in payload['runs']]",
    "weights as strings": "[{'epochs_run': 1, 'final_weights': ['w'], 'attrs': {}}"
                          " for _ in payload['runs']]",
    "attributes as strings": "[{'epochs_run': 1, 'final_weights': [], "
                             "'attrs': {'best': 'x'}} for _ in payload['runs']]",
}


@pytest.mark.parametrize("garbage", list(GARBAGE.values()), ids=list(GARBAGE))
def test_a_replaced_callback_driver_fails_early_stopping_only(garbage, tmp_path):
    sub = copy_solutions(tmp_path / "sub")
    _prepend(sub / "early_stopping.py", f"""\
        import sys
        sys.modules["_grader_drivers"].DRIVERS["callback_script"] = \\
            lambda cls, payload, wire=None: {garbage}
        """)
    result = grade_path(sub, parts=["momentum", ES])
    assert lost_points(result) == {ES: 17}, lost_points(result)
    assert "cannot read" in _messages(result.part(ES)), _messages(result.part(ES))


# -- training: the batched steps and what a step function returns -----------------------------------

def test_a_replaced_steps_driver_fails_the_reference_checks_only(tmp_path):
    """Batched outputs numpy cannot read (a ragged tuple) fail the step's check; the
    property checks (one call at a time, the student's real function) still pass."""
    sub = copy_solutions(tmp_path / "sub")
    _prepend(sub / "optimizers.py", """\
        import sys
        sys.modules["_grader_drivers"].DRIVERS["steps"] = lambda fn, payload, wire=None: {
            "outputs": [((1.0, (2.0,)), 1.0)] * len(payload["grads"]), "complete": True}
        """)
    result = grade_path(sub, parts=["momentum", ES])
    assert set(lost_points(result)) == {"momentum"}, lost_points(result)
    momentum = result.part("momentum")
    assert 0 < momentum.score < momentum.max_score
    assert "numeric array" in _messages(momentum), _messages(momentum)


def test_a_ragged_tuple_returned_by_a_step_fails_its_checks(tmp_path):
    """numpy refuses a ragged tuple (ValueError): in the property checks too (which once
    let it escape as an internal error), it is the student's value that fails."""
    sub = copy_solutions(tmp_path / "sub")
    _append(sub / "optimizers.py", """\
        def adagrad_step(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
            return (1.0, (2.0,)), (1.0, (2.0,))
        """)
    result = grade_path(sub, parts=["adagrad", ES])
    assert lost_points(result) == {"adagrad": 8}, lost_points(result)
    assert "numeric array" in _messages(result.part("adagrad"))


# -- the commands ---------------------------------------------------------------------------------

def _crash_plateau(dest):
    """The red-team's crash_plateau_lr: the optimizer's rate slot set to 10**400, past
    its float32 setter."""
    dest.mkdir(parents=True)
    (dest / "schedules.py").write_bytes((LR_SOLUTIONS / "schedules.py").read_bytes())
    (dest / "plateau.py").write_text(textwrap.dedent("""\
        class ReduceLROnPlateau:
            def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                         min_delta=1e-4, cooldown=0, min_lr=0.0):
                self.wait = 0
                self.cooldown_counter = 0
                self.best = None

            def set_model(self, model):
                self.model = model

            def on_train_begin(self, logs=None):
                pass

            def on_epoch_end(self, epoch, logs=None):
                object.__setattr__(self.model.optimizer, "_lr", 10 ** 400)

            def on_train_end(self, logs=None):
                pass
        """), encoding="utf-8")
    return dest


def test_check_grades_a_hostile_submission_and_exits_1(tmp_path):
    sub = _crash_plateau(tmp_path / "sub")
    proc = run_grader("check", "--assignment", "lr_schedules", "--path", str(sub),
                      "reduce_lr_on_plateau", "exponential_decay", "--max-examples", "2",
                      "--json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "internal error" not in proc.stdout + proc.stderr
    parts = {p["id"]: p for p in json.loads(proc.stdout)["parts"]}
    assert parts["reduce_lr_on_plateau"]["score"] == 0
    assert parts["exponential_decay"]["score"] == parts["exponential_decay"]["max_score"]
    assert "the learning rate is an int too large" in parts["reduce_lr_on_plateau"][
        "checks"][0]["message"]


def test_grade_grades_every_hostile_submission(tmp_path):
    subs = tmp_path / "subs"
    _crash_plateau(subs / "crash")
    good = subs / "good"
    good.mkdir()
    for name in ("schedules.py", "plateau.py"):
        (good / name).write_bytes((LR_SOLUTIONS / name).read_bytes())
    patched = subs / "patched"
    patched.mkdir()
    (patched / "schedules.py").write_bytes((LR_SOLUTIONS / "schedules.py").read_bytes())
    (patched / "plateau.py").write_bytes((LR_SOLUTIONS / "plateau.py").read_bytes())
    _prepend(patched / "plateau.py", """\
        import sys
        sys.modules["_grader_drivers"].DRIVERS["plateau_script"] = \\
            lambda target, payload, wire=None: ["not", "a", "dict"]
        """)
    out = tmp_path / "out"
    proc = run_grader("grade", str(subs), "--out", str(out), "--assignment", "lr_schedules",
                      "--workers", "1", "--max-examples", "2", "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r[0]: r for r in csv.reader((out / "grades.csv").open())}
    header = rows.pop("submission")
    plateau = header.index("reduce_lr_on_plateau")
    assert set(rows) == {"crash", "good", "patched"}
    assert float(rows["good"][-1]) == 100
    for name in ("crash", "patched"):
        assert float(rows[name][plateau]) == 0, rows[name]
        assert float(rows[name][-1]) == 55, rows[name]   # the four schedules, in full
