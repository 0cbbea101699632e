"""lr_schedules: the reference solutions, the plateau driver and the mistake catalogue.

Fast tests need numpy only (Keras's values below were recorded with TensorFlow 2.21 /
Keras 3.15); the ``tf`` tests compare with the installed Keras live.
"""

from __future__ import annotations

import importlib.util
import math
import random
import warnings
from pathlib import Path

import numpy as np
import pytest

from grader.assignments.lr_schedules.authoring import mistakes as M
from grader.assignments.lr_schedules.drivers import DRIVERS, FakeOptimizer, plateau_script

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    path = ROOT / "solutions" / "lr_schedules" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_lrs_solution_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCHEDULES = _load("schedules")
PLATEAU = _load("plateau")
FUNCTIONS = {"exponential_decay": SCHEDULES.exponential_decay,
             "piecewise_constant": SCHEDULES.piecewise_constant_decay,
             "inverse_time_decay": SCHEDULES.inverse_time_decay,
             "cosine_decay": SCHEDULES.cosine_decay}


def run_plateau(cls, payload):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return plateau_script(cls, payload, None)


# -- schedules ----------------------------------------------------------------------------------

#: (part, the student's call, Keras's float32 result)
KERAS_TABLE = [
    ("exponential_decay", {"step": 0, "initial_learning_rate": 0.1, "decay_steps": 10,
                           "decay_rate": 0.5}, 0.10000000149011612),
    ("exponential_decay", {"step": 15, "initial_learning_rate": 0.1, "decay_steps": 10,
                           "decay_rate": 0.5}, 0.0353553406894207),
    ("exponential_decay", {"step": 15, "initial_learning_rate": 0.1, "decay_steps": 10,
                           "decay_rate": 0.5, "staircase": True}, 0.05000000074505806),
    ("exponential_decay", {"step": 20, "initial_learning_rate": 0.1, "decay_steps": 10,
                           "decay_rate": 0.5, "staircase": True}, 0.02500000037252903),
    ("piecewise_constant", {"step": 10, "boundaries": [10, 20], "values": [1.0, 0.5, 0.1]}, 1.0),
    ("piecewise_constant", {"step": 11, "boundaries": [10, 20], "values": [1.0, 0.5, 0.1]}, 0.5),
    ("piecewise_constant", {"step": 21, "boundaries": [10, 20], "values": [1.0, 0.5, 0.1]},
     0.10000000149011612),
    ("inverse_time_decay", {"step": 15, "initial_learning_rate": 0.1, "decay_steps": 10,
                            "decay_rate": 1.0}, 0.03999999910593033),
    ("inverse_time_decay", {"step": 15, "initial_learning_rate": 0.1, "decay_steps": 10,
                            "decay_rate": 1.0, "staircase": True}, 0.05000000074505806),
    ("cosine_decay", {"step": 50, "initial_learning_rate": 0.1, "decay_steps": 100},
     0.04999999701976776),
    ("cosine_decay", {"step": 150, "initial_learning_rate": 0.1, "decay_steps": 100,
                      "alpha": 0.1}, 0.010000000707805157),
    ("cosine_decay", {"step": 5, "initial_learning_rate": 0.01, "decay_steps": 100,
                      "warmup_target": 0.1, "warmup_steps": 10}, 0.054999999701976776),
    ("cosine_decay", {"step": 60, "initial_learning_rate": 0.01, "decay_steps": 100,
                      "warmup_target": 0.1, "warmup_steps": 10}, 0.04999999701976776),
    ("cosine_decay", {"step": 0, "initial_learning_rate": 0.5, "decay_steps": 100,
                      "warmup_target": 0.1, "warmup_steps": 0}, 0.10000000149011612),
]


@pytest.mark.parametrize("part, call, expected", KERAS_TABLE)
def test_schedule_matches_recorded_keras(part, call, expected):
    assert FUNCTIONS[part](**call) == pytest.approx(expected, rel=2e-7, abs=0)


@pytest.mark.parametrize("part, call, error", [
    ("exponential_decay", {"step": 1, "initial_learning_rate": 0.1, "decay_steps": 0,
                           "decay_rate": 0.5}, ValueError),
    ("inverse_time_decay", {"step": 1, "initial_learning_rate": 0.1, "decay_steps": -1,
                            "decay_rate": 0.5}, ValueError),
    ("cosine_decay", {"step": 1, "initial_learning_rate": 0.1, "decay_steps": 0}, ValueError),
    ("piecewise_constant", {"step": 1, "boundaries": [1, 2], "values": [1.0, 0.5]}, ValueError),
    ("piecewise_constant", {"step": 1, "boundaries": [], "values": [1.0]}, IndexError),  # as Keras
])
def test_schedule_refuses_what_keras_refuses(part, call, error):
    with pytest.raises(error):
        FUNCTIONS[part](**call)


def test_schedules_accept_numpy_integer_steps():
    for step in (np.int64(15), np.int32(15)):
        assert SCHEDULES.exponential_decay(step, 0.1, 10, 0.5, staircase=True) == 0.05000000074505806
        assert SCHEDULES.piecewise_constant_decay(step, [15], [1.0, 0.5]) == 1.0


# -- the plateau driver -------------------------------------------------------------------------

EXAMPLE = {"init": {"monitor": "val_loss", "factor": 0.5, "patience": 1, "cooldown": 1,
                    "min_lr": 0.02, "min_delta": 0},
           "initial_lr": 0.1,
           "trainings": [[{"val_loss": v} for v in
                          (1.0, 1.0, 1.0, 1.0, None, 0.5, 0.5, 0.5, 0.5, 0.5)],
                         [{"val_loss": 2.0}, {"val_loss": 2.0}]]}
#: Keras's (lr, wait, cooldown_counter, best) per epoch on EXAMPLE. cooldown=1 does not
#: delay anything with patience=1: the epoch whose decrement ends the cooldown counts.
F32_002 = 0.019999999552965164
EXAMPLE_KERAS = [
    [(0.10000000149011612, 0, 0, 1.0), (0.05000000074505806, 0, 1, 1.0),
     (0.02500000037252903, 0, 1, 1.0), (F32_002, 0, 1, 1.0), (F32_002, 0, 1, 1.0),
     (F32_002, 0, 0, 0.5), (F32_002, 1, 0, 0.5), (F32_002, 2, 0, 0.5), (F32_002, 3, 0, 0.5),
     (F32_002, 4, 0, 0.5)],
    [(F32_002, 0, 0, 2.0), (F32_002, 1, 0, 2.0)],
]


def _rows(result):
    return [[(e["lr"], e["wait"], e["cooldown_counter"], e["best"]) for e in t]
            for t in result["trainings"]]


def test_reference_plateau_matches_recorded_keras():
    result = run_plateau(PLATEAU.ReduceLROnPlateau, EXAMPLE)
    assert result["raised"] is None
    assert _rows(result) == EXAMPLE_KERAS
    assert DRIVERS["plateau_script"] is plateau_script


def test_driver_reports_value_errors_with_their_stage():
    bad_factor = {**EXAMPLE, "init": {"factor": 1.0}}
    raised = run_plateau(PLATEAU.ReduceLROnPlateau, bad_factor)["raised"]
    assert (raised["type"], raised["stage"], raised["training"]) == ("ValueError", "__init__", None)
    unknown = {"init": {"monitor": "val_my_score"}, "initial_lr": 0.1,
               "metrics": [{"name": "my_score", "direction": None}],
               "trainings": [[{"val_my_score": 0.5}]]}
    result = run_plateau(PLATEAU.ReduceLROnPlateau, unknown)
    assert result["trainings"] == [[]]
    assert (result["raised"]["stage"], result["raised"]["epoch"]) == ("on_epoch_end", 0)
    known = {**unknown, "metrics": [{"name": "my_score", "direction": "up"}],
             "trainings": [[{"val_my_score": 0.5}, {"val_my_score": 0.25}]], "init": {
                 "monitor": "val_my_score", "patience": 1, "min_delta": 0}}
    rows = _rows(run_plateau(PLATEAU.ReduceLROnPlateau, known))
    assert [r[0] for r in rows[0]] == [0.10000000149011612, 0.009999999776482582]   # maximised


def test_driver_markers_for_missing_and_odd_attributes():
    class Odd(M.PlateauNeverReduces):
        def __init__(self, **kwargs):
            self.wait, self.cooldown_counter = True, "0"

    row = run_plateau(Odd, EXAMPLE)["trainings"][0][0]
    assert row["wait"] == {"unsupported": "bool"}
    assert row["cooldown_counter"] == {"unsupported": "str"}
    assert row["best"] == {"missing": True}


def test_driver_names_a_missing_protocol_method():
    class NoEnd(M.PlateauNeverReduces):
        on_train_end = None

    with pytest.raises(AttributeError, match="on_train_end"):
        run_plateau(NoEnd, EXAMPLE)


def test_fake_optimizer_stores_float32_and_refuses_other_names():
    opt = FakeOptimizer(0.1)
    opt.learning_rate = 0.1 * 0.1
    assert opt.learning_rate == float(np.float32(0.01))
    assert not hasattr(opt, "optimizers")          # Keras's test for a multi-optimizer
    with pytest.raises(AttributeError, match="learning_rate"):
        opt.lr = 0.5
    with pytest.raises(TypeError, match="must be a number"):
        opt.learning_rate = "0.1"
    with pytest.raises(TypeError, match="must be a number"):
        opt.learning_rate = np.array([0.1])


# -- the mistake catalogue ------------------------------------------------------------------------

def _all_mistakes():
    return [m for part in M.MISTAKES for m in M.MISTAKES[part] + M.TRIVIAL[part]]


def _reference_outcome(part, inputs):
    if part == "reduce_lr_on_plateau":
        return run_plateau(PLATEAU.ReduceLROnPlateau, inputs)
    return M.schedule_outcome(FUNCTIONS[part], inputs)


def _outcome(mistake, inputs):
    if mistake.part == "reduce_lr_on_plateau":
        return run_plateau(mistake.impl, inputs)
    return M.schedule_outcome(mistake.impl, inputs)


def _same(a, b):
    """Equal plain data, NaN equal to NaN (a NaN first value becomes ``best``)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _differ(got, expected):
    if isinstance(expected, dict):
        return not _same(got, expected)   # exact: float32 rates, ints, the logs' floats
    if got[0] != expected[0] or got[0] == "raised":
        return got != expected
    return not math.isclose(got[1], expected[1], rel_tol=1e-3, abs_tol=1e-12)


def test_catalogue_sizes():
    schedule_parts = ("exponential_decay", "piecewise_constant", "inverse_time_decay",
                      "cosine_decay")
    assert all(len(M.MISTAKES[p]) >= 3 for p in schedule_parts)
    assert len(M.MISTAKES["reduce_lr_on_plateau"]) >= 7
    ids = [m.id for p in M.MISTAKES for m in M.MISTAKES[p]]
    assert len(ids) == len(set(ids))
    for m in _all_mistakes():
        assert m.exposing, m.id


@pytest.mark.parametrize("mistake", _all_mistakes(), ids=lambda m: f"{m.part}-{m.id}")
def test_every_mistake_differs_from_the_reference_on_its_exposing_inputs(mistake):
    for inputs in mistake.exposing:
        assert _differ(_outcome(mistake, inputs), _reference_outcome(mistake.part, inputs)), inputs


@pytest.mark.parametrize("part", sorted(M.MISTAKES))
def test_mistakes_of_a_part_tell_apart_on_the_exposing_inputs(part):
    mistakes = M.MISTAKES[part] + M.TRIVIAL[part]
    pool = [inputs for m in mistakes for inputs in m.exposing]
    seen = {}
    for m in mistakes:
        outcomes = [_outcome(m, inputs) for inputs in pool]
        for other, theirs in seen.items():
            assert any(_differ(a, b) for a, b in zip(outcomes, theirs, strict=True)), (m.id, other)
        seen[m.id] = outcomes


@pytest.mark.parametrize("mistake", [m for ms in M.ACCEPTED.values() for m in ms],
                         ids=lambda m: m.id)
def test_accepted_variants_behave_like_the_reference_on_every_recorded_case(mistake):
    from grader.assignments.lr_schedules.plateau import difference
    from grader.reference import load_cases

    for hidden in (False, True):
        for case in load_cases("lr_schedules", mistake.part, hidden):
            assert difference(run_plateau(mistake.impl, case.inputs), case.expected) is None


# -- live Keras ----------------------------------------------------------------------------------

def _random_schedule_calls(rng, part, n):
    calls = []
    for _ in range(n):
        lr = 10 ** rng.uniform(-5, 0)
        if part in ("exponential_decay", "inverse_time_decay"):
            ds = rng.choice([1, 3, 10, 100, 1000])
            calls.append({"step": rng.choice([0, ds - 1, ds, ds + 1, rng.randint(0, 20 * ds)]),
                          "initial_learning_rate": lr, "decay_steps": ds,
                          "decay_rate": rng.uniform(0.05, 1.0) if part == "exponential_decay"
                          else rng.uniform(0.0, 5.0), "staircase": rng.random() < 0.5})
        elif part == "piecewise_constant":
            k = rng.randint(1, 4)
            bounds = sorted(rng.sample(range(200), k))
            calls.append({"step": rng.choice([0, *bounds, *(b + 1 for b in bounds), 250]),
                          "boundaries": bounds, "values": [10 ** rng.uniform(-5, 0)
                                                           for _ in range(k + 1)]})
        else:
            ds, ws = rng.choice([1, 10, 100, 1000]), rng.choice([0, 1, 10, 100])
            calls.append({"step": rng.choice([0, ws - 1 if ws else 0, ws, ws + ds - 1, ws + ds,
                                              rng.randint(0, 2 * (ws + ds))]),
                          "initial_learning_rate": lr, "decay_steps": ds,
                          "alpha": rng.choice([0.0, 0.1, rng.uniform(0, 1)]),
                          "warmup_target": rng.choice([None, 10 ** rng.uniform(-4, 0)]),
                          "warmup_steps": ws})
    return calls


@pytest.mark.tf
@pytest.mark.slow
def test_reference_schedules_match_live_keras(tf):
    from grader.assignments.lr_schedules.authoring.keras_reference import keras_schedule

    rng = random.Random(5)
    for part, fn in FUNCTIONS.items():
        for call in _random_schedule_calls(rng, part, 150):
            kwargs = dict(call)
            step = kwargs.pop("step")
            expected = keras_schedule(part, step, **kwargs)
            # float32 results: a few ulp (tf.pow and tf.cos are not numpy's)
            assert fn(**call) == pytest.approx(expected, rel=1e-6, abs=1e-30), (part, call)
        for m in M.MISTAKES[part] + M.TRIVIAL[part]:
            for call in m.exposing:
                kwargs = dict(call)
                step = kwargs.pop("step")
                try:
                    expected = ("value", keras_schedule(part, step, **kwargs))
                except Exception as exc:  # noqa: BLE001 - Keras refuses the input
                    expected = ("raised", type(exc).__name__)
                assert not _differ(M.schedule_outcome(fn, call), expected), (m.id, call)
                assert _differ(M.schedule_outcome(m.impl, call), expected), (m.id, call)


@pytest.mark.tf
@pytest.mark.slow
def test_reference_plateau_and_mistakes_against_live_keras(tf):
    from grader.assignments.lr_schedules.authoring.keras_reference import keras_plateau

    assert _rows(keras_plateau(EXAMPLE)) == EXAMPLE_KERAS
    for m in M.MISTAKES["reduce_lr_on_plateau"] + M.TRIVIAL["reduce_lr_on_plateau"]:
        for payload in m.exposing:
            keras = keras_plateau(payload)
            assert _same(run_plateau(PLATEAU.ReduceLROnPlateau, payload), keras)
            assert _differ(run_plateau(m.impl, payload), keras), m.id
