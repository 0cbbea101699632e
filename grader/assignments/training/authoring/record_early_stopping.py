"""Cases of the early-stopping part.

Monitored values, min_delta and baselines are multiples of 1/64 below 4, so that
``current - min_delta`` and every comparison give the same answer in float32 (as
Keras compares, keras-semantics §10) and in float64 (as a student may). The fixed
cases are the scenarios of keras-semantics §10 (the lecture's callback first);
hypothesis adds cases per check and the hidden ones. Every case is checked at record
time: a correct numpy model, in float64 and in float32, must agree with Keras on it.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..drivers import run_callback_script
from ..early_stopping import GRID, build_runs, difference, initial_weights, summarize
from . import mistakes_early_stopping as M
from grader.authoring.recording import PartRecorder, collect

LECTURE_INIT = {"monitor": "val_loss", "min_delta": 0, "patience": 0, "mode": "auto",
                "restore_best_weights": False}
LOSSES = ("val_loss", "loss")
ACCURACIES = ("val_accuracy", "accuracy")
EXTRA = ("val_acc", "auc")                 # the other bases mode="auto" must maximise
DELTAS = (0, 0, 1 / 64, 1 / 32, 1 / 16, 3 / 64, -1 / 32, -1 / 64)


def _counterpart(name: str) -> str:
    return name[4:] if name.startswith("val_") else "val_" + name


def _logs(monitor, values, other=None):
    """Per-epoch logs: the monitored value (None = missing) and, optionally, the
    counterpart's (``val_loss`` beside ``loss``) so that the key must be read right."""
    out = []
    for i, v in enumerate(values):
        logs = {monitor: v}
        if other is not None:
            logs[_counterpart(monitor)] = other[i % len(other)]
        out.append(logs)
    return out


def _case(init, *runs):
    return {"init": dict(init), "logs": [list(r) for r in runs]}


# -- fixed scenarios (keras-semantics §10) --------------------------------------------------

TRAIN_LOSS = [0.8, 0.6, 0.5, 0.45, 0.4, 0.38, 0.36, 0.35]
TRAIN_ACC = [0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.82, 0.84]


def _one(tag, init, values, other=None):
    """A fixed one-training case monitoring ``init["monitor"]``."""
    return tag, _case(init, _logs(init["monitor"], values, other))


def _fixed():
    L, VL, VA = LECTURE_INIT, {"monitor": "val_loss"}, {"monitor": "val_accuracy"}
    return [
        _one("lecture", L, [1.0, 0.9, 0.95, 0.8, 0.7], TRAIN_LOSS),
        _one("lecture", L, [1.0, 0.9, 0.8, 0.7, 0.6], TRAIN_LOSS),
        _one("lecture", L, [1.0, 1.0, 0.5], TRAIN_LOSS),
        _one("lecture", L, [0.75, 0.5, 0.25, 0.25, 0.125], TRAIN_LOSS),
        _one("patience", {**VL, "patience": 2}, [1.0, 0.9, 0.95, 0.96, 0.97, 0.98], TRAIN_LOSS),
        _one("patience", {**VL, "patience": 2}, [1.0, 0.9, 0.95, 0.85, 0.97, 0.98, 0.99, 1.0],
             TRAIN_LOSS),
        _one("patience", {**VL, "min_delta": 0.05, "patience": 1}, [1.0, 0.94, 0.9, 0.92, 0.93]),
        _one("patience", {**VL, "min_delta": -0.05, "patience": 1}, [1.0, 0.94, 0.9, 0.92, 0.93]),
        _one("patience", {"monitor": "loss", "min_delta": 0.25, "patience": 1},
             [1.0, 0.75, 0.5, 0.5, 0.25]),
        _one("patience", {"monitor": "loss", "patience": 3}, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
        _one("mode", {**VA, "mode": "max"}, [0.5, 0.6, 0.55, 0.7], TRAIN_ACC),
        _one("mode", VA, [0.5, 0.6, 0.55, 0.7], TRAIN_ACC),
        _one("mode", {"monitor": "accuracy", "mode": "auto"}, [0.5, 0.6, 0.55, 0.7]),
        _one("mode", {"monitor": "val_acc"}, [0.5, 0.6, 0.55, 0.7], TRAIN_ACC),
        _one("mode", {"monitor": "val_auc", "mode": "auto"}, [0.5, 0.6, 0.55, 0.7]),
        _one("mode", {**VA, "mode": "min"}, [0.5, 0.6, 0.55, 0.7], TRAIN_ACC),
        _one("mode", {**VL, "mode": "max"}, [1.0, 0.9, 1.1, 0.8]),
        _one("baseline", {**VL, "baseline": 0.5}, [0.9, 0.8, 0.7, 0.6, 0.55, 0.52]),
        _one("baseline", {**VL, "baseline": 0.5}, [0.9, 0.95, 0.97, 0.99]),
        _one("baseline", {**VL, "baseline": 0.5, "patience": 2},
             [0.75, 0.625, 0.375, 0.5, 0.625, 0.25]),
        _one("baseline", {**VL, "baseline": 0.5, "patience": 2}, [0.9, 0.8, 0.85, 0.7, 0.6]),
        _one("baseline", {**VL, "baseline": 0.5, "patience": 3}, [0.9, 0.95, 0.96, 0.97, 0.99]),
        # the first epoch misses the baseline, every epoch improves: Keras never stops
        # (not at epoch 0, and not at an improving epoch)
        _one("baseline", {**VL, "baseline": 0.5, "patience": 1}, [0.75, 0.625, 0.5625, 0.53125]),
        _one("baseline", {**VA, "baseline": 0.875, "patience": 0}, [0.5, 0.625, 0.75, 0.625]),
        # an improvement beating the baseline by less than min_delta does not reset `wait`
        # (keras: stops at epoch 2; a baseline test without min_delta stops at epoch 3)
        _one("baseline", {**VL, "baseline": 0.75, "min_delta": 1 / 16, "patience": 2},
             [1.0, 0.71875, 0.6875, 0.65625, 0.625, 0.8125, 0.90625]),
        _one("restore", {**VL, "restore_best_weights": True}, [1.0, 0.5, 0.7, 0.8, 0.4]),
        _one("restore", {**VL, "patience": 10, "restore_best_weights": True}, [1.0, 0.5, 0.7]),
        _one("start_missing", {**VL, "restore_best_weights": True, "start_from_epoch": 2},
             [0.1, 0.2, 1.0, 1.1, 0.9]),
        _one("start_missing", VL, [1.0, None, 0.9, None, 0.95, 0.97], TRAIN_LOSS),
        _one("start_missing", {**VL, "start_from_epoch": 3}, [None, None, None, None, 0.5, 0.75],
             TRAIN_LOSS),
        # no epoch monitored: `best` stays None (Keras 3), not inf
        _one("start_missing", {**VL, "start_from_epoch": 5}, [0.5, 0.25, 0.75, 0.125]),
        _one("start_missing", {**VA, "mode": "max"}, [None, None, None], TRAIN_ACC),
        ("reuse", _case(L, _logs("val_loss", [1.0, 0.5, 0.6]),
                        _logs("val_loss", [0.9, 0.8, 0.7, 0.75]))),
        ("reuse", _case({**VL, "restore_best_weights": True},
                        _logs("val_loss", [1.0, 0.25, 0.5, 0.75]),
                        _logs("val_loss", [0.875, 0.75, 0.625]))),
    ]


# -- hypothesis scenarios ----------------------------------------------------------------------
#
# Each public check's cases isolate its feature, so that one mistake costs its own checks
# and not all of them: outside the lecture and patience checks, values within a training
# are distinct and min_delta is 0 (ties and min_delta slips do not show), patience is 0
# where the feature allows (an off-by-one patience does not show), and accuracies use an
# explicit mode="max" outside the mode check. The hidden cases mix everything.

ALL = LOSSES + ACCURACIES


def _grid(lo, hi):
    return st.integers(int(lo * GRID), int(hi * GRID)).map(lambda k: k / GRID)


def _natural(name: str) -> str:
    return "min" if "loss" in name else "max"


@st.composite
def _values(draw, name, n, distinct=False):
    """A plausible learning curve on the 1/64 grid: a drifting walk, values from a
    coarse set (many ties), or (``distinct``) n different values that improve for a
    while and then wander."""
    acc = "loss" not in name
    drift = 1 if acc else -1
    lo, hi = (0.0, 1.0) if acc else (0.0, 3.0)
    if distinct:
        values = draw(st.lists(_grid(lo, hi * 0.75), min_size=n, max_size=n, unique=True))
        k = draw(st.integers(0, n))
        return sorted(values[:k], reverse=not acc) + values[k:]
    if draw(st.integers(0, 3)) == 0:
        pool = [k / 16 for k in (range(4, 16) if acc else range(2, 24))]
        return draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
    v = draw(_grid(0.125, 0.625) if acc else _grid(0.5, 1.5))
    out = [v]
    for _ in range(n - 1):
        v = min(max(v + drift * draw(st.integers(-3, 6)) / GRID, lo), hi)
        out.append(v)
    return out


@st.composite
def scenario(draw, monitors=ALL, modes=None, patience=(0, 0), deltas=(0,), baseline=False,
             restore=st.just(False), start=(0, 0), missing=False, runs=1, epochs=(2, 10),
             distinct=True, fixed_init=None):
    """One case. ``modes(name)`` gives the modes to draw from (default: auto for loss
    names, and the name's natural direction spelled out for the others)."""
    modes = modes or (lambda name: ("auto", "min") if "loss" in name else (_natural(name),))
    if fixed_init is not None:
        init = dict(fixed_init)
    else:
        monitor = draw(st.sampled_from(monitors))
        init = {"monitor": monitor, "min_delta": draw(st.sampled_from(deltas)),
                "patience": draw(st.integers(*patience)),
                "mode": draw(st.sampled_from(modes(monitor)))}
        if draw(restore):
            init["restore_best_weights"] = True
        if start != (0, 0):
            init["start_from_epoch"] = draw(st.integers(*start))
    monitor = init["monitor"]
    direction = init.get("mode", "auto")
    direction = _natural(monitor) if direction == "auto" else direction
    logs = []
    for r in range(runs):
        n = draw(st.integers(*epochs))
        values = draw(_values(monitor, n, distinct))
        if baseline and r == 0:
            # near the curve, or out of its reach (then improvements never reset `wait`)
            near = draw(st.sampled_from(values)) + draw(st.integers(-4, 4)) / GRID
            far = min(values) - 8 / GRID if direction == "min" else max(values) + 8 / GRID
            init["baseline"] = draw(st.sampled_from([near, far]))
        if missing:
            holes = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
            values = [None if h == 0 else v for v, h in zip(values, holes)]
        other = draw(_values(_counterpart(monitor), n)) if draw(st.booleans()) else None
        logs.append(_logs(monitor, values, other))
    return {"init": init, "logs": logs}


def _runs_to_the_end(inputs) -> bool:
    """Keras (the correct model) stops at the last epoch or never: then a patience that
    is off by one changes nothing but stopped_epoch."""
    got = run_class(M._MistakeBase, inputs)
    return all(r["epochs_run"] == len(logs) for r, logs in zip(got["runs"], inputs["logs"]))


def _stops_if_restoring(inputs) -> bool:
    """With restore_best_weights, Keras stops early in every training: then restoring
    only after an early stop changes nothing (that is the restore check's business)."""
    if not inputs["init"].get("restore_best_weights"):
        return True
    got = run_class(M._MistakeBase, inputs)
    return all(r["epochs_run"] < len(logs) for r, logs in zip(got["runs"], inputs["logs"]))


def _public():
    any_mode = lambda name: ("auto", "min", "max")  # noqa: E731
    draws = {
        "lecture": (scenario(fixed_init=LECTURE_INIT, distinct=False), 6),
        "patience": (scenario(LOSSES, patience=(0, 5), deltas=DELTAS, distinct=False), 12),
        "mode": (scenario(ALL + ("val_acc",), modes=any_mode), 12),
        "baseline": (scenario(patience=(0, 3), baseline=True), 12),
        "restore": (scenario(patience=(0, 4), restore=st.just(True))
                    .filter(_runs_to_the_end), 10),
        "start_missing": (scenario(start=(0, 3), missing=True, restore=st.booleans())
                          .filter(_stops_if_restoring), 12),
        "reuse": (scenario(restore=st.booleans(), runs=2, epochs=(2, 7)), 8),
    }
    cases = _fixed()
    for tag, (strategy, n) in draws.items():
        cases += [(tag, c) for c in collect(strategy, n)]
    return [((tag,), inputs) for tag, inputs in cases]


def _hidden_fixed():
    """Fixed hidden cases: a tie in max mode, auc, min_delta with a baseline, reuse
    with a missing value, no epoch monitored."""
    return [_case({"monitor": "val_accuracy"},
                  _logs("val_accuracy", [0.5, 0.6, 0.6, 0.7], TRAIN_ACC)),
            _case({"monitor": "auc", "patience": 1, "restore_best_weights": True},
                  _logs("auc", [0.5, 0.75, 0.625, 0.5, 0.875])),
            _case({"monitor": "val_loss", "min_delta": 0.25, "patience": 2, "baseline": 0.5},
                  _logs("val_loss", [1.0, 0.75, 0.5, 0.375, 0.25, 0.25, 0.125])),
            _case({"monitor": "val_loss", "patience": 1, "restore_best_weights": True},
                  _logs("val_loss", [1.0, 0.5, 0.7, 0.8, 0.4]),
                  _logs("val_loss", [0.875, None, 0.75, 0.875, 0.625])),
            _case({"monitor": "val_loss", "patience": 0, "baseline": 0.25,
                   "restore_best_weights": True},
                  _logs("val_loss", [0.5, 0.375, 0.75, 0.25, 0.125])),
            _case({"monitor": "val_accuracy", "mode": "max", "min_delta": 1 / 16, "patience": 2,
                   "baseline": 0.5},
                  _logs("val_accuracy", [0.25, 0.53125, 0.5625, 0.59375, 0.625, 0.5, 0.375])),
            _case({"monitor": "val_loss", "start_from_epoch": 20, "restore_best_weights": True},
                  _logs("val_loss", [1.0 - k / 64 for k in range(12)]))]


def _hidden():
    any_mode = lambda name: ("auto", "min", "max")  # noqa: E731
    mixed = dict(monitors=ALL + EXTRA, modes=any_mode, patience=(0, 5), deltas=DELTAS,
                 restore=st.booleans(), start=(0, 3), missing=True, distinct=False)
    cases = (collect(scenario(baseline=True, epochs=(1, 12), **mixed), 14)
             + collect(scenario(epochs=(1, 12), **mixed), 14)
             + collect(scenario(baseline=True, runs=2, epochs=(1, 8), **mixed), 10))
    return [(("hidden",), c) for c in _hidden_fixed() + cases]


# -- recording ---------------------------------------------------------------------------------

def run_class(cls, inputs: dict) -> dict:
    """Drive a trusted numpy class through the same fit loop as Keras's callback."""
    try:
        return summarize(run_callback_script(lambda: cls(**inputs["init"]), build_runs(inputs),
                                             initial_weights()))
    except Exception as exc:  # noqa: BLE001 - a mistake may break on some inputs
        return {"error": f"{type(exc).__name__}: {exc}"}


class _Float32Correct(M._MistakeBase):
    """A correct model comparing in float32 (the recorder's sanity check)."""

    def _improves(self, current, reference):
        if reference is None:
            return True
        c, d, r = np.float32(current), np.float32(self.min_delta), np.float32(reference)
        return bool(c + d < r) if self.mode == "min" else bool(c - d > r)


def expected(inputs: dict) -> dict:
    from .tf_early_stopping import keras_early_stopping

    ref = keras_early_stopping(inputs)
    for model in (M._MistakeBase, _Float32Correct):
        bad = difference(run_class(model, inputs), ref)
        if bad:
            raise AssertionError(f"{model.__name__} disagrees with Keras ({bad}) on {inputs}")
    return ref


def mistakes(inputs: dict) -> dict:
    return {M.mistake_id(cls): run_class(cls, inputs) for cls in M.MISTAKES["early_stopping"]}


def recorders():
    return {"early_stopping": PartRecorder(cases=_public, hidden_cases=_hidden, expected=expected,
                                           mistakes=mistakes)}


# -- outcomes of the property checks' examples ---------------------------------------------

def property_scripts(assignment: str = "training") -> list:
    """Every script a property check of the part runs: its recorded examples (every
    budget) and their follow-up scripts."""
    from grader.examples_data import load
    from ..early_stopping import _then_worse

    scripts = []
    for hidden in (False, True):
        try:
            checks = load(assignment, "early_stopping", hidden)
        except Exception:  # noqa: BLE001 - no hidden examples file: no hidden properties
            if hidden:
                continue
            raise
        for entries in checks.values():
            for entry in entries:
                for examples in entry["examples"].values():
                    for ex in examples:
                        scripts += [ex, _then_worse(ex)]
    return scripts


def outcome(inputs: dict) -> dict:
    """What Keras (the trusted model) and every known mistake do on a script."""
    from .es_model import MODEL_MISTAKES, simulate

    return {"expected": simulate(inputs),
            "mistakes": {m: simulate(inputs, m) for m in MODEL_MISTAKES}}


def record_outcomes(assignment: str = "training", root=None, log=print):
    """Write ``early_stopping.outcomes.json`` (after the examples are recorded)."""
    import json

    from grader.examples_data import encode
    from ..early_stopping import OUTCOMES_FORMAT, outcomes_path, script_key

    outcomes = {}
    for inputs in property_scripts(assignment):
        outcomes[script_key(inputs)] = encode(outcome(inputs))
    path = outcomes_path(assignment, root)
    path.write_text(json.dumps({"format": OUTCOMES_FORMAT, "outcomes": outcomes}, sort_keys=True,
                               separators=(",", ":")) + "\n", encoding="utf-8")
    log(f"recorded the outcomes of {len(outcomes)} property scripts of early_stopping -> {path}")
    return path


if __name__ == "__main__":
    record_outcomes()
