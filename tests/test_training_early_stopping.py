"""The early_stopping part: the solution scores full marks, every known mistake loses
points there (and only there) with its diagnosis, and the recorded reference agrees
with live Keras."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from grader.assignments.training.authoring import mistakes_early_stopping as M
from grader.reference import load_cases
from grader.assignments.training.early_stopping import difference, summarize

from .helpers import (copy_solutions, diagnoses, grade_path, lost_points, mutant_submission,
                      first_fast)

PART = "early_stopping"
MISTAKES = M.MISTAKES[PART]


@pytest.fixture(scope="module")
def solution_result(tmp_path_factory):
    return grade_path(copy_solutions(tmp_path_factory.mktemp("solution")), parts=[PART])


def test_solution_scores_full_marks(solution_result):
    part = solution_result.part(PART)
    failed = [(c.name, c.message) for c in part.checks if not c.passed]
    assert part.full, failed
    assert any(c.hidden for c in part.checks)


@pytest.mark.parametrize("cls", first_fast(MISTAKES, ids=[M.mistake_id(c) for c in MISTAKES]))
def test_mistake_loses_points_only_here(cls, tmp_path):
    from grader.assignments.training.early_stopping import HINTS

    sub = mutant_submission(tmp_path / "sub", "early_stopping", "EarlyStopping", cls.__name__,
                            "grader.assignments.training.authoring.mistakes_early_stopping")
    # Only early_stopping.py differs from the solutions, and no other part reads it; the
    # first mutant is graded on the whole assignment to show it, the others on this part.
    result = grade_path(sub, parts=None if cls is MISTAKES[0] else [PART])
    lost = lost_points(result)
    assert set(lost) == {PART}, lost
    assert 0 < lost[PART], lost
    # patience=0 is the default and best_epoch is compared by every check: those two lose
    # everything; so does swapping the modes (every check monitors a loss or an accuracy,
    # and each is optimised the wrong way); the others lose a sensible share only
    if cls not in (M.EarlyStoppingPatienceZeroNeverStops, M.EarlyStoppingBestEpochNotSet,
                   M.EarlyStoppingModesSwapped):
        assert lost[PART] < 17, lost
    mid = M.mistake_id(cls)
    # named by its failing checks, and no other mistake is named (issue 11.4): e.g. a
    # class ignoring start_from_epoch was called "non-strict improvement", one never
    # stopping with patience=0 "you stop one epoch late"
    assert diagnoses(result, PART) == {mid}, diagnoses(result, PART)
    assert any(c.diagnosis == mid and not c.hidden for c in result.part(PART).checks)  # in `check`
    assert {c.hint for c in result.part(PART).checks if c.diagnosis == mid} == {HINTS[mid]}


@pytest.mark.parametrize("cls", first_fast(M.TRIVIAL[PART], ids=[c.__name__ for c in M.TRIVIAL[PART]]))
def test_trivial_callback_scores_zero(cls, tmp_path):
    """Issue 11.2: a callback that never stops, or always stops at once, earns nothing."""
    sub = mutant_submission(tmp_path / "sub", "early_stopping", "EarlyStopping", cls.__name__,
                            "grader.assignments.training.authoring.mistakes_early_stopping")
    result = grade_path(sub, parts=[PART])
    assert result.part(PART).score == 0, [(c.name, c.points) for c in result.part(PART).checks]
    assert all(d.startswith("ignores:") for d in diagnoses(result, PART)), diagnoses(result, PART)


def test_a_hard_coded_patience_is_named_as_ignored(tmp_path):
    """Issue 11.5, through the callback driver: a literal where `patience` belongs."""
    sub = copy_solutions(tmp_path / "sub")
    path = sub / "early_stopping.py"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "self.patience = patience", "self.patience = 1"), encoding="utf-8")
    result = grade_path(sub, parts=[PART])
    assert not result.part(PART).full
    assert diagnoses(result, PART) == {"ignores:patience"}, diagnoses(result, PART)


def test_the_model_reproduces_keras_and_every_recorded_mistake():
    """The trusted model the property checks name mistakes with behaves exactly as Keras
    and as each mistake class on every recorded case."""
    from grader.assignments.training.authoring.es_model import MODEL_MISTAKES, simulate

    assert {M.mistake_id(c) for c in MISTAKES} == set(MODEL_MISTAKES)
    for hidden in (False, True):
        for case in load_cases("training", PART, hidden):
            assert difference(simulate(case.inputs), case.expected) is None, case.id
            for mid, rec in case.mistakes.items():
                assert difference(simulate(case.inputs, mid), rec) is None, (case.id, mid)


def test_recorded_property_outcomes_are_current():
    """What Keras and each mistake do on every property example (and its follow-up) is
    recorded, and is what the trusted model says now (else run
    `python -m grader.assignments.training.authoring.record_early_stopping`)."""
    from grader.assignments.training.authoring.record_early_stopping import outcome, property_scripts
    from grader.assignments.training.early_stopping import recorded_outcome

    scripts = property_scripts()
    assert scripts
    for inputs in scripts:
        expected, mistakes = recorded_outcome("training", inputs)
        now = outcome(inputs)
        assert difference(expected, now["expected"]) is None
        assert set(mistakes) == set(now["mistakes"])
        for mid, rec in mistakes.items():
            assert difference(rec, now["mistakes"][mid]) is None, mid


def test_no_model_of_the_callback_is_shipped():
    """The trusted model is a solution: it lives in grader/authoring (never released)."""
    import grader.assignments.training.early_stopping as shipped

    assert not hasattr(shipped, "simulate") and not hasattr(shipped, "MODEL_MISTAKES")


def test_stopping_at_epoch_zero_loses_points_in_the_baseline_check(tmp_path):
    """Issue 11.3: Keras never stops at epoch 0 (nor at an improving epoch); a class that
    tests patience on an improving epoch missing the baseline, without `epoch > 0`, stops
    at epoch 0 when patience <= 1 and loses points where the baseline is graded."""
    cls = M.EarlyStoppingStopsAtEpochZero
    cases = [c for c in load_cases("training", PART) if "baseline" in c.tags]
    mid = M.mistake_id(cls)
    at_zero = [c for c in cases if c.mistakes[mid]["runs"][0]["epochs_run"] == 1
               and c.expected["runs"][0]["epochs_run"] > 1]
    assert len(at_zero) >= 2
    assert all(c.expected["runs"][0]["stopped_epoch"] != 0 or
               c.expected["runs"][0]["epochs_run"] == len(c.inputs["logs"][0]) for c in cases)


@pytest.mark.tf
def test_keras_never_stops_at_epoch_zero(tf):
    """keras-semantics §10: with patience=0 or a baseline the first epoch misses, Keras
    does not stop at epoch 0, and not at an epoch that improves."""
    from grader.assignments.training.authoring.tf_early_stopping import keras_early_stopping

    for init, values in (({"patience": 0, "baseline": 0.5}, [0.75, 0.625, 0.5625]),
                         ({"patience": 1, "baseline": 0.5}, [0.75, 0.625, 0.5625]),
                         ({"patience": 0}, [1.0, 1.25, 0.5])):
        inputs = {"init": {"monitor": "val_loss", **init},
                  "logs": [[{"val_loss": v} for v in values]]}
        ref = keras_early_stopping(inputs)["runs"][0]
        assert ref["epochs_run"] > 1


def test_mistake_ids_have_hints():
    from grader.assignments.training.early_stopping import HINTS

    assert {M.mistake_id(c) for c in MISTAKES} == set(HINTS)


def test_recorded_mistakes_are_current():
    """The recorded outputs of the mistakes are those of the classes as they are now."""
    from grader.assignments.training.authoring.record_early_stopping import mistakes

    for hidden in (False, True):
        for case in load_cases("training", PART, hidden):
            now = mistakes(case.inputs)
            assert set(now) == set(case.mistakes)
            for mid, rec in now.items():
                assert difference(rec, case.mistakes[mid]) is None, (case.id, mid)


def test_every_mistake_is_caught_by_public_and_hidden_cases():
    for hidden in (False, True):
        cases = load_cases("training", PART, hidden)
        for cls in MISTAKES:
            mid = M.mistake_id(cls)
            assert any(difference(c.mistakes[mid], c.expected) for c in cases), (mid, hidden)


def test_generated_values_are_on_the_float32_grid():
    """Values, min_delta and baselines of the generated cases are multiples of 1/64, so
    float32 (Keras) and float64 comparisons agree. (The fixed §10 cases use decimals far
    from ties; the recorder checks a float32 and a float64 model against Keras on them.)"""
    from grader.authoring.record import case_id
    from grader.assignments.training.authoring.record_early_stopping import _fixed, _hidden_fixed

    fixed = {case_id(inputs) for _, inputs in _fixed()} | {case_id(c) for c in _hidden_fixed()}
    for hidden in (False, True):
        for case in load_cases("training", PART, hidden):
            if case.id in fixed:
                continue
            nums = [v for run in case.inputs["logs"] for logs in run for v in logs.values()
                    if v is not None]
            nums += [case.inputs["init"].get(k) or 0 for k in ("min_delta", "baseline")]
            for v in nums:
                assert float(v * 64).is_integer() and abs(v) < 8, (case.id, v)


# -- keras-semantics §10: the documented scenarios are recorded as documented --------------

TABLE = [  # (init, values, epochs_run, stopped_epoch, best_epoch, epoch whose weights remain)
    ({"patience": 0}, [1.0, 0.9, 0.95, 0.8, 0.7], 3, 2, 1, 2),
    ({"patience": 0}, [1.0, 0.9, 0.8, 0.7, 0.6], 5, 0, 4, 4),
    ({"patience": 0}, [1.0, 1.0, 0.5], 2, 1, 0, 1),
    ({"patience": 2}, [1.0, 0.9, 0.95, 0.96, 0.97, 0.98], 4, 3, 1, 3),
    ({"patience": 2}, [1.0, 0.9, 0.95, 0.85, 0.97, 0.98, 0.99, 1.0], 6, 5, 3, 5),
    ({"min_delta": 0.05, "patience": 1}, [1.0, 0.94, 0.9, 0.92, 0.93], 3, 2, 1, 2),
    ({"baseline": 0.5}, [0.9, 0.8, 0.7, 0.6, 0.55, 0.52], 6, 0, 5, 5),
    ({"baseline": 0.5}, [0.9, 0.95, 0.97, 0.99], 2, 1, 0, 1),
    ({"restore_best_weights": True}, [1.0, 0.5, 0.7, 0.8, 0.4], 3, 2, 1, 1),
    ({"patience": 10, "restore_best_weights": True}, [1.0, 0.5, 0.7], 3, 0, 1, 1),
    ({"restore_best_weights": True, "start_from_epoch": 2},
     [0.1, 0.2, 1.0, 1.1, 0.9], 4, 3, 2, 2),
]


@pytest.mark.parametrize("init, values, run, stopped, best_epoch, kept", TABLE)
def test_documented_scenarios_are_recorded(init, values, run, stopped, best_epoch, kept):
    found = False
    for case in load_cases("training", PART, False):
        inp = case.inputs
        if len(inp["logs"]) != 1 or inp["init"].get("monitor") != "val_loss":
            continue
        seq = [lg.get("val_loss") for lg in inp["logs"][0]]
        given = {k: v for k, v in inp["init"].items() if v and k not in ("monitor", "mode")}
        if seq != values or given != {k: v for k, v in init.items() if v}:
            continue
        found = True
        exp = case.expected["runs"][0]
        got = (exp["epochs_run"], exp["stopped_epoch"], exp["best_epoch"])
        assert got == (run, stopped, best_epoch)
        assert exp["final_weights"][0][0] == 100 + kept
    assert found, (init, values)


# -- edge cases of grading -------------------------------------------------------------------

FLOAT32_CLASS = '''
import numpy as np


class EarlyStopping:
    """A correct callback that keeps everything in float32 numpy scalars."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        base = monitor[4:] if monitor.startswith("val_") else monitor
        self.sign = {"min": -1, "max": 1}.get(mode) or (-1 if base == "loss" else 1)
        self.monitor, self.delta = monitor, np.float32(abs(min_delta))
        self.patience, self.start = patience, start_from_epoch
        self.baseline = None if baseline is None else np.float32(baseline)
        self.restore = restore_best_weights

    def set_model(self, model):
        self.model = model

    def better(self, a, b):
        if b is None:
            return True
        return bool(a + self.delta < b) if self.sign < 0 else bool(a - self.delta > b)

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best, self.best_epoch = 0, 0, None, 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        current = logs.pop(self.monitor, None)   # mutates its own copy only
        if current is None or epoch < self.start:
            return
        current = np.float32(current)
        self.wait += 1
        if self.better(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.better(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
'''


def test_float32_implementation_scores_full_marks(tmp_path):
    sub = copy_solutions(tmp_path / "sub")
    (sub / "early_stopping.py").write_text(textwrap.dedent(FLOAT32_CLASS), encoding="utf-8")
    part = grade_path(sub, parts=[PART]).part(PART)
    assert part.full, [(c.name, c.message) for c in part.checks if not c.passed]
    assert not any(c.diagnosis for c in part.checks)


def test_keras_flow_without_the_epoch_guard_is_correct(tmp_path):
    """In Keras's flow the first monitored epoch always improves (best starts at None)
    and returns, so `and epoch > 0` never changes what happens: code that follows the
    flow without it is correct and keeps full marks, with no hint (issue 11.3 is about
    code that reaches the stop test at epoch 0: EarlyStoppingStopsAtEpochZero)."""
    sub = copy_solutions(tmp_path / "sub")
    path = sub / "early_stopping.py"
    source = path.read_text(encoding="utf-8")
    assert "self.wait >= self.patience and epoch > 0" in source
    path.write_text(source.replace("self.wait >= self.patience and epoch > 0",
                                   "self.wait >= self.patience"), encoding="utf-8")
    part = grade_path(sub, parts=[PART]).part(PART)
    assert part.full, [(c.name, c.message) for c in part.checks if not c.passed]
    assert not any(c.diagnosis for c in part.checks)


def test_missing_attribute_is_named(tmp_path):
    sub = copy_solutions(tmp_path / "sub")
    src = (sub / "early_stopping.py").read_text(encoding="utf-8")
    src += "\n\n_Orig = EarlyStopping\n\nclass EarlyStopping(_Orig):\n" \
           "    def on_train_end(self, logs=None):\n" \
           "        super().on_train_end(logs)\n        del self.best_epoch\n"
    (sub / "early_stopping.py").write_text(src, encoding="utf-8")
    part = grade_path(sub, parts=[PART], hidden=False).part(PART)
    assert part.score == 0
    lecture = part.checks[0]
    assert "`best_epoch` is <no such attribute>" in lecture.message
    assert "stopped_epoch=" in lecture.example.expected


def test_stub_scores_zero_here_only(tmp_path):
    from grader.authoring.stubs import stub_source

    sub = copy_solutions(tmp_path / "sub")
    path = sub / "early_stopping.py"
    path.write_text(stub_source(path.read_text(encoding="utf-8"), path.name), encoding="utf-8")
    result = grade_path(sub, parts=["adam", PART], hidden=False)
    assert lost_points(result) == {PART: 17}
    assert "NotImplementedError" in result.part(PART).checks[0].message


def test_summaries_compare_float32_best():
    res = [{"epochs_run": 3, "final_weights": [np.ones(2)],
            "attrs": {"stopped_epoch": 2.0, "best_epoch": 1.0, "best": float(np.float32(0.9))}}]
    ref = [{"epochs_run": 3, "final_weights": [np.ones(2)],
            "attrs": {"stopped_epoch": 2.0, "best_epoch": 1.0, "best": 0.9}}]
    assert difference(summarize(res), summarize(ref)) is None
    res[0]["attrs"]["stopped_epoch"] = 3.0
    assert "stopped_epoch" in difference(summarize(res), summarize(ref))
    # nothing monitored: Keras 3 keeps best=None; tf.keras 2.x's initial +-inf is not that
    # (review round 2: a class starting at inf was given full marks)
    res[0]["attrs"].update(stopped_epoch=2.0, best=float("inf"))
    ref[0]["attrs"]["best"] = None
    assert "`best` is inf" in difference(summarize(res), summarize(ref))
    res[0]["attrs"]["best"] = None
    assert difference(summarize(res), summarize(ref)) is None
    res[0]["attrs"]["best"] = {"missing": True}
    assert "<no such attribute>" in difference(summarize(res), summarize(ref))


# -- the recorded reference agrees with live Keras -------------------------------------------

@pytest.mark.tf
@pytest.mark.slow
def test_reference_agrees_with_keras(tf):
    from grader.assignments.training.authoring.tf_early_stopping import keras_early_stopping

    for hidden in (False, True):
        for case in load_cases("training", PART, hidden):
            live = keras_early_stopping(case.inputs)
            assert difference(live, case.expected) is None, case.id
            for g, e in zip(live["runs"], case.expected["runs"], strict=True):
                assert g["best"] == e["best"]      # bit-exact, not only within BEST_RTOL


@pytest.mark.tf
def test_keras_auto_mode_needs_the_compiled_metric(tf):
    """Why the reference model carries compiled metrics: without them Keras's
    mode='auto' cannot place an accuracy (keras-semantics §10)."""
    import keras

    from grader.assignments.training.drivers import run_callback_script

    runs = [{"logs": [{"val_accuracy": 0.5}], "weights": [[np.zeros(1)]]}]
    with pytest.raises(ValueError):
        run_callback_script(lambda: keras.callbacks.EarlyStopping(monitor="val_accuracy"),
                            runs, [np.zeros(1)])


# -- review round 2 (issue 11): the reviewer's forms, each named -------------------------------

REVIEW_FORMS = {
    # a baseline test without min_delta, written out (not via the improvement helper)
    "early_stopping_baseline_ignores_min_delta": (
        "if self.baseline is None or self._is_improvement(current, self.baseline):",
        "if self.baseline is None or (current < self.baseline if self.mode == 'min' "
        "else current > self.baseline):"),
    # tf.keras 2.x's start
    "early_stopping_best_starts_at_infinity": (
        "    def on_train_begin(self, logs=None):\n        self.wait = 0\n"
        "        self.stopped_epoch = 0\n        self.best = None",
        "    def on_train_begin(self, logs=None):\n        self.wait = 0\n"
        "        self.stopped_epoch = 0\n"
        "        self.best = float('inf') if self.mode == 'min' else -float('inf')"),
    "early_stopping_best_epoch_not_set": (
        "            self.best = current\n            self.best_epoch = epoch\n",
        "            self.best = current\n"),
    "early_stopping_snapshot_taken_once": (
        "            if self.restore_best_weights:\n"
        "                self.best_weights = self.model.get_weights()",
        "            if self.restore_best_weights and self.best_weights is None:\n"
        "                self.best_weights = self.model.get_weights()"),
    # the recheck's forms: the 'min' and 'max' comparisons swapped (was named "accuracy
    # minimised" on one check), and a snapshot every epoch (was "ignores
    # restore_best_weights")
    "early_stopping_modes_swapped": (
        "        if self.mode == \"min\":\n            return current + self.min_delta < reference",
        "        if self.mode == \"max\":\n            return current + self.min_delta < reference"),
    "early_stopping_snapshot_every_epoch": (
        "            return\n        self.wait += 1\n",
        "            return\n        if self.restore_best_weights:\n"
        "            self.best_weights = self.model.get_weights()\n        self.wait += 1\n"),
    # `wait` counted only on epochs without improvement (the recheck's bug_es_wait_after_test:
    # named "ignores baseline" on one check, which the other failing checks rule out)
    "early_stopping_wait_not_counted_on_improvement": (
        "        self.wait += 1\n        if self._is_improvement(current, self.best):\n"
        "            self.best = current\n            self.best_epoch = epoch\n"
        "            if self.restore_best_weights:\n"
        "                self.best_weights = self.model.get_weights()\n"
        "            if self.baseline is None or self._is_improvement(current, self.baseline):\n"
        "                self.wait = 0\n            return\n",
        "        if self._is_improvement(current, self.best):\n"
        "            self.best = current\n            self.best_epoch = epoch\n"
        "            if self.restore_best_weights:\n"
        "                self.best_weights = self.model.get_weights()\n"
        "            if self.baseline is None or self._is_improvement(current, self.baseline):\n"
        "                self.wait = 0\n            return\n        self.wait += 1\n"),
}

REVIEW_BASE = """
class EarlyStopping:
    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        if mode == "auto":
            base = monitor[4:] if monitor.startswith("val_") else monitor
            mode = "min" if base == "loss" else "max"
        self.mode = mode
        self.model = None
        self.on_train_begin()

    def set_model(self, model):
        self.model = model

    def _is_improvement(self, current, reference):
        if reference is None:
            return True
        if self.mode == "min":
            return current + self.min_delta < reference
        return current - self.min_delta > reference

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None or epoch < self.start_from_epoch:
            return
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
"""


def test_review_base_class_scores_full_marks(tmp_path):
    sub = copy_solutions(tmp_path / "sub")
    (sub / "early_stopping.py").write_text(REVIEW_BASE, encoding="utf-8")
    part = grade_path(sub, parts=[PART]).part(PART)
    assert part.full, [(c.name, c.message) for c in part.checks if not c.passed]
    assert not any(c.diagnosis for c in part.checks)


@pytest.mark.slow
@pytest.mark.parametrize("mid", sorted(REVIEW_FORMS))
def test_review_forms_lose_points_and_are_named(tmp_path, mid):
    """Review round 2: a baseline test without min_delta and best=inf got 17/17; best_epoch
    never set and a snapshot taken only once were not named. Each loses points, is named
    by its own id on a public check, and nothing else is named."""
    from grader.assignments.training.early_stopping import HINTS

    old, new = REVIEW_FORMS[mid]
    assert old in REVIEW_BASE
    sub = copy_solutions(tmp_path / "sub")
    (sub / "early_stopping.py").write_text(REVIEW_BASE.replace(old, new), encoding="utf-8")
    result = grade_path(sub, parts=[PART])
    assert PART in lost_points(result)
    assert diagnoses(result, PART) == {mid}, diagnoses(result, PART)
    assert any(c.diagnosis == mid and not c.hidden for c in result.part(PART).checks)
    assert HINTS[mid] in {c.hint for c in result.part(PART).checks}


def test_baseline_with_min_delta_and_nothing_monitored_are_recorded():
    """Public and hidden cases where min_delta changes the baseline test and where no
    epoch is monitored (Keras keeps best=None)."""
    for hidden in (False, True):
        cases = load_cases("training", PART, hidden)
        for mid in ("early_stopping_baseline_ignores_min_delta",
                    "early_stopping_best_starts_at_infinity"):
            assert any(difference(c.mistakes[mid], c.expected) for c in cases
                       if hidden or {"baseline", "start_missing"} & set(c.tags)), (mid, hidden)
        assert any(r["best"] is None for c in cases for r in c.expected["runs"]), hidden


@pytest.mark.tf
def test_keras_baseline_uses_min_delta_and_keeps_best_none(tf):
    """What the new cases rest on, straight from Keras 3: the baseline test subtracts
    min_delta (the reviewer's example stops at epoch 2, not 3), and after a training that
    monitored no epoch best is None, best_epoch 0, wait 0, best_weights None."""
    import keras

    from grader.assignments.training.drivers import run_callback_script

    def run(init, values):
        made = {}

        def make():
            made["cb"] = keras.callbacks.EarlyStopping(**init)
            return made["cb"]

        runs = [{"logs": [{"val_loss": v} for v in values],
                 "weights": [[np.full(1, float(e))] for e in range(len(values))]}]
        raw = run_callback_script(make, runs, [np.zeros(1)])
        return raw[0], made["cb"]

    raw, cb = run({"patience": 2, "baseline": 0.79, "min_delta": 0.05},
                  [1.0, .77, .76, .75, .74, .8, .9])
    assert (raw["epochs_run"], cb.stopped_epoch, cb.best_epoch, cb.wait) == (3, 2, 1, 3)
    raw, cb = run({"start_from_epoch": 20, "restore_best_weights": True}, [0.5] * 12)
    assert raw["epochs_run"] == 12
    assert (cb.best, cb.best_epoch, cb.wait, cb.stopped_epoch, cb.best_weights) == \
        (None, 0, 0, 0, None)


# -- the evidence of every failing check (note_candidates, grader/diagnosis.py) ---------------

NARROW_FORMS = {
    # min_delta the wrong way in max mode only: a narrower slip than the catalogued one
    "early_stopping_min_delta_wrong_way": (
        "return current - self.min_delta > reference",
        "return current + self.min_delta > reference"),
    # an improvement missing the baseline runs the stop test (no return after it)
    "early_stopping_stop_test_after_improvement": (
        "                self.wait = 0\n            return\n",
        "                self.wait = 0\n                return\n"),
}


@pytest.mark.slow
@pytest.mark.parametrize("mid", sorted(NARROW_FORMS))
def test_every_failing_check_shows_the_mistake_all_their_evidence_points_to(tmp_path, mid):
    """The recheck's variants: a check whose cases mix everything (the hidden one) named
    nothing, since the catalogued mistake also differs from the student on cases the
    student passes; the mistake reproducing every failing case of every failing check is
    now named on all of them, and nothing else is."""
    from grader.assignments.training.early_stopping import HINTS

    old, new = NARROW_FORMS[mid]
    assert REVIEW_BASE.count(old) == 1
    sub = copy_solutions(tmp_path / "sub")
    (sub / "early_stopping.py").write_text(REVIEW_BASE.replace(old, new), encoding="utf-8")
    result = grade_path(sub, parts=[PART])
    failing = [c for c in result.part(PART).checks if not c.passed]
    assert failing
    assert [c.diagnosis for c in failing] == [mid] * len(failing), \
        [(c.name, c.diagnosis) for c in failing]
    assert {c.hint for c in failing} == {HINTS[mid]}
