"""The recorded cases of every part, Keras's outputs on them and the known mistakes'.

Every case is checked at record time: the reference solution (float32, as Keras) must
agree with Keras to the last bits (schedules: 1e-6 relative, a few float32 ulp;
callback: exactly), and a correct float64 implementation (what a student may write)
must pass the checks' comparison, except on the callback's ``float32`` cases, which
exist to show where float64 comparisons differ from Keras's.

Every graded input is finite (no NaN or inf anywhere in a case): the contract's inputs
are finite, and what code does with non-finite values is never worth points (a correct
callback may treat a NaN loss as a missing one). Recording refuses a case that is not.
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from functools import cache
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from grader.authoring.recording import PartRecorder, collect

from .. import plateau as P
from .. import schedules as S
from ..drivers import plateau_script
from . import mistakes as M

ROOT = Path(__file__).resolve().parents[4]
MAX_STEP = 1_000_000       # well below 2**24: float32 step / decay_steps floors as integers do


@cache
def solution(module: str):
    path = ROOT / "solutions" / "lr_schedules" / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"_lrs_reference_{module}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# -- schedules -------------------------------------------------------------------------------

#: A correct float64 implementation of each schedule (the mistakes module's helpers
#: without a mistake): what a careful student writes.
FLOAT64 = {"exponential_decay": M._exp, "piecewise_constant": M._piecewise,
           "inverse_time_decay": M._inverse, "cosine_decay": M._cosine}


def _case(kwargs, steps, numpy_steps=False):
    steps = sorted({int(s) for s in steps if 0 <= s <= MAX_STEP})
    return {"kwargs": dict(kwargs), "steps": steps, "numpy_steps": bool(numpy_steps)}


def _error(kwargs, step=3):
    return {"kwargs": dict(kwargs), "steps": [step], "numpy_steps": False}


def _outcome(fn, inputs):
    values = []
    for step in inputs["steps"]:
        kind, value = M.schedule_outcome(fn, {"step": step, **inputs["kwargs"]})
        if kind == "raised":
            return {"raises": value}
        values.append(value)
    return {"values": values}


def finite_inputs(inputs) -> None:
    """AssertionError when a case's inputs hold a NaN or an infinity (see the module's
    docstring)."""
    def walk(value):
        if isinstance(value, float):
            return math.isfinite(value)
        if isinstance(value, dict):
            return all(walk(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return all(walk(v) for v in value)
        return True

    if not walk(inputs):
        raise AssertionError(f"a graded case holds a non-finite input: {inputs}")


def schedule_expected(part_id):
    def expected(inputs):
        finite_inputs(inputs)
        from .keras_reference import keras_schedule_values

        try:
            ref = {"values": keras_schedule_values(part_id, inputs["kwargs"], inputs["steps"])}
        except ValueError:
            ref = {"raises": "ValueError"}
        fn = getattr(solution("schedules"), S.PARTS[part_id][0])
        ours = _outcome(fn, inputs)
        f64 = _outcome(FLOAT64[part_id], inputs)
        if "raises" in ref:
            if ours != ref or f64 != ref:
                raise AssertionError(f"{part_id}: Keras raises, ours {ours}, f64 {f64}: {inputs}")
            return ref
        for step, k, o, d in zip(inputs["steps"], ref["values"], ours.get("values", ()),
                                 f64.get("values", ())):
            if not abs(o - k) <= 1e-6 * abs(k) + 1e-30:
                raise AssertionError(f"{part_id}: reference {o!r} != Keras {k!r} at step {step}: "
                                     f"{inputs}")
            if S.first_difference({"values": [d]}, {"values": [k]},
                                  {"kwargs": inputs["kwargs"], "steps": [step]}):
                raise AssertionError(f"{part_id}: a float64 implementation fails the check "
                                     f"({d!r} vs Keras {k!r}) at step {step}: {inputs}")
        if "values" not in ours or "values" not in f64:
            raise AssertionError(f"{part_id}: the reference raised on {inputs}")
        return ref
    return expected


def schedule_mistakes(part_id):
    def mistakes(inputs):
        return {m.id: _outcome(m.impl, inputs) for m in M.MISTAKES[part_id]}
    return mistakes


def _rates():
    return st.sampled_from([0.1, 0.01, 1.0, 0.001, 0.05]) | st.floats(1e-4, 1.0)


def _decay_steps():
    return st.sampled_from([1, 2, 3, 10, 100, 1000]) | st.integers(1, 2000)


@st.composite
def _exp_like(draw, part_id, staircase=None, numpy=False):
    ds = draw(_decay_steps())
    rate = (st.sampled_from([0.5, 0.96, 0.9, 0.1]) | st.floats(0.05, 1.0)
            if part_id == "exponential_decay" else
            st.sampled_from([0.5, 1.0, 2.0]) | st.floats(0.0, 5.0))
    kwargs = {"initial_learning_rate": draw(_rates()), "decay_steps": ds,
              "decay_rate": draw(rate),
              "staircase": draw(st.booleans()) if staircase is None else staircase}
    k = draw(st.integers(1, 6))
    steps = {0, 1, ds - 1, ds, ds + 1, k * ds - 1, k * ds, k * ds + 1, k * ds + ds // 2}
    steps |= set(draw(st.lists(st.integers(0, 20 * ds), min_size=2, max_size=6)))
    return _case(kwargs, steps, numpy and draw(st.booleans()))


@st.composite
def _piecewise(draw, numpy=False):
    bounds = sorted(draw(st.sets(st.integers(0, 1000), min_size=1, max_size=5)))
    values = draw(st.lists(st.sampled_from([1.0, 0.5, 0.1, 0.01]) | st.floats(1e-4, 1.0),
                           min_size=len(bounds) + 1, max_size=len(bounds) + 1))
    steps = {0, bounds[-1] + 1 + draw(st.integers(0, 500))}
    steps |= {s for b in bounds for s in (b - 1, b, b + 1)}
    return _case({"boundaries": bounds, "values": values}, steps, numpy and draw(st.booleans()))


@st.composite
def _cosine(draw, warmup=False, alpha=None, numpy=False):
    ds = draw(_decay_steps())
    kwargs = {"initial_learning_rate": draw(_rates()), "decay_steps": ds,
              "alpha": draw(st.sampled_from([0.0, 0.1]) | st.floats(0.0, 1.0))
              if alpha is None else alpha}
    ws = 0
    if warmup:
        ws = draw(st.sampled_from([1, 10, 100]) | st.integers(1, 1000))
        kwargs.update(warmup_target=draw(_rates()), warmup_steps=ws)
        kwargs["initial_learning_rate"] = draw(st.sampled_from([0.0, kwargs["initial_learning_rate"]]))
    end = ws + ds
    steps = {0, 1, ws // 2, ws - 1, ws, ws + 1, ws + ds // 2, end - 1, end, end + 1, 3 * end}
    steps |= set(draw(st.lists(st.integers(0, 2 * end), min_size=2, max_size=5)))
    return _case(kwargs, steps, numpy and draw(st.booleans()))


def _exp_public(part_id):
    lecture_kw = {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}
    fixed = [
        ("lecture", _case({**lecture_kw, "staircase": False},
                          [0, 1, 5, 9, 10, 11, 15, 20, 25, 30, 40, 100])),
        ("staircase", _case({**lecture_kw, "staircase": True},
                            [0, 1, 5, 9, 10, 11, 15, 19, 20, 21, 25, 40])),
        ("errors", _error({**lecture_kw, "decay_steps": 0})),
        ("errors", _error({**lecture_kw, "decay_steps": -10})),
    ]
    if part_id == "exponential_decay":
        # the Keras documentation's example
        fixed.append(("lecture", _case({"initial_learning_rate": 0.1, "decay_steps": 100000,
                                        "decay_rate": 0.96, "staircase": True},
                                       [0, 1, 99999, 100000, 150000, 250000, 1000000])))
    else:
        fixed[0] = ("lecture", _case({**lecture_kw, "staircase": False},
                                     [0, 1, 5, 10, 15, 20, 30, 50, 100]))
    drawn = [("staircase", c) for c in collect(_exp_like(part_id, staircase=True), 8)]
    drawn += [("random", c) for c in collect(_exp_like(part_id, numpy=True), 10)]
    return fixed + drawn


def _exp_hidden(part_id):
    return [("hidden", c) for c in collect(_exp_like(part_id, numpy=True), 12)] + [
        ("hidden", _case({"initial_learning_rate": 0.05, "decay_steps": 7, "decay_rate": 0.9,
                          "staircase": True}, [0, 6, 7, 13, 14, 700], numpy_steps=True))]


def _piecewise_public():
    doc = {"boundaries": [100000, 110000], "values": [1.0, 0.5, 0.1]}
    return [
        ("lecture", _case(doc, [0, 1, 50000, 99999, 100000, 100001, 109999, 110000, 110001,
                                500000])),
        ("errors", _error({"boundaries": [10], "values": [1.0, 0.5, 0.1]})),
        ("errors", _error({"boundaries": [10, 20], "values": [1.0, 0.5]})),
        ("boundaries", _case({"boundaries": [0], "values": [0.5, 0.25]}, [0, 1, 2])),
        *(("boundaries", c) for c in collect(_piecewise(numpy=True), 10)),
    ]


def _piecewise_hidden():
    return [("hidden", c) for c in collect(_piecewise(numpy=True), 10)] + [
        ("hidden", _error({"boundaries": [5, 6, 7], "values": [1.0, 0.5]}))]


def _cosine_public():
    doc_warmup = {"initial_learning_rate": 0.0, "decay_steps": 1000, "warmup_target": 0.1,
                  "warmup_steps": 1000}
    return [
        ("lecture", _case({"initial_learning_rate": 0.1, "decay_steps": 1000},
                          [0, 1, 100, 250, 500, 750, 999, 1000, 1001, 5000])),
        ("warmup", _case(doc_warmup, [0, 1, 250, 500, 999, 1000, 1001, 1500, 1999, 2000, 2001,
                                      10000])),
        ("alpha", _case({"initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.2},
                        [0, 25, 50, 75, 99, 100, 101, 1000])),
        ("edges", _case({"initial_learning_rate": 0.5, "decay_steps": 100, "warmup_target": 0.1,
                         "warmup_steps": 0}, [0, 1, 50, 100, 101])),
        ("edges", _case({"initial_learning_rate": 0.1, "decay_steps": 100, "warmup_steps": 10},
                        [0, 5, 10, 50, 100, 110, 200])),
        ("edges", _case({"initial_learning_rate": 0.05, "decay_steps": 10, "alpha": 0.1,
                         "warmup_target": 0.2, "warmup_steps": 5},
                        [0, 4, 5, 15, 16, 100, 100000])),
        ("errors", _error({"initial_learning_rate": 0.1, "decay_steps": 0})),
        ("errors", _error({"initial_learning_rate": 0.1, "decay_steps": -5, "warmup_target": 0.2,
                           "warmup_steps": 3})),
        *(("alpha", c) for c in collect(_cosine_alpha(), 6)),
        *(("warmup", c) for c in collect(_cosine(warmup=True), 8)),
        *(("lecture", c) for c in collect(_cosine(alpha=0.0, numpy=True), 4)),
    ]


@st.composite
def _cosine_alpha(draw):
    case = draw(_cosine(numpy=True))
    case["kwargs"]["alpha"] = draw(st.sampled_from([0.1, 0.5]) | st.floats(0.05, 0.95))
    return case


def _cosine_hidden():
    return ([("hidden", c) for c in collect(_cosine(warmup=True, numpy=True), 8)]
            + [("hidden", c) for c in collect(_cosine(numpy=True), 6)]
            + [("hidden", _case({"initial_learning_rate": 0.3, "decay_steps": 40, "alpha": 0.5,
                                 "warmup_target": 0.6, "warmup_steps": 0}, [0, 20, 40, 41]))])


# -- ReduceLROnPlateau -------------------------------------------------------------------------

class Float64Plateau(M._Plateau):
    """A correct callback comparing in float64 (what a student may write)."""

    def _improves(self, current, reference):
        return M.PlateauCompareInFloat64._improves(self, current, reference)

    def _can_reduce(self, lr):
        return float(lr) > float(self.min_lr)


def run_class(cls, inputs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return plateau_script(cls, inputs, None)
        except Exception as exc:  # noqa: BLE001 - a mistake may break on some inputs
            return {"trainings": [], "raised": None, "error": f"{type(exc).__name__}: {exc}"}


def _identical(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_identical(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def plateau_expected(inputs, tags=()):
    from .keras_reference import keras_plateau

    finite_inputs(inputs)
    ref = keras_plateau(inputs)
    ours = run_class(solution("plateau").ReduceLROnPlateau, inputs)
    if not _identical(ours, ref):
        raise AssertionError(f"the reference solution disagrees with Keras on {inputs}:\n"
                             f"{ours}\n{ref}")
    f64 = P.difference(run_class(Float64Plateau, inputs), ref)
    if f64 and "float32" not in tags:
        raise AssertionError(f"a float64 callback disagrees with Keras ({f64}) on {inputs}")
    return ref


def plateau_mistakes(inputs):
    return {m.id: run_class(m.impl, inputs) for m in M.MISTAKES["reduce_lr_on_plateau"]}


def _grid(lo, hi):
    return st.integers(int(lo * P.GRID), int(hi * P.GRID)).map(lambda k: k / P.GRID)


def safe_min_lr(m) -> bool:
    return float(np.float32(m)) <= m


@st.composite
def _curve(draw, n, improving_first=0, missing=False, direction="min"):
    """A learning curve on the 1/64 grid with plateaus (ties) and worse epochs."""
    sign = -1 if direction == "min" else 1
    v = draw(_grid(0.5, 1.5) if direction == "min" else _grid(0.25, 0.75))
    out = []
    for e in range(n):
        if e and e < improving_first:
            v += sign * draw(st.integers(1, 4)) / P.GRID
        elif e:
            v += sign * draw(st.sampled_from([0, 0, 0, -1, -2, 1, 2, 3])) / P.GRID
        v = min(max(v, 0.0), 4.0)
        out.append(None if missing and draw(st.integers(0, 5)) == 0 else v)
    return out


@st.composite
def scenario(draw, patience=(0, 5), factors=(0.1, 0.5, 0.2, 0.25), deltas=(0, 1e-4),
             cooldown=(0, 0), min_lrs=(0.0,), monitors=("val_loss", "loss"), missing=False,
             trainings=1, epochs=(4, 14), modes=("auto", "min")):
    monitor = draw(st.sampled_from(monitors))
    init = {"monitor": monitor, "factor": draw(st.sampled_from(factors)),
            "patience": draw(st.integers(*patience)), "mode": draw(st.sampled_from(modes)),
            "min_delta": draw(st.sampled_from(deltas)), "cooldown": draw(st.integers(*cooldown)),
            "min_lr": draw(st.sampled_from(min_lrs))}
    direction = "max" if init["mode"] == "max" else "min"
    payload = {"init": init, "initial_lr": draw(st.sampled_from([0.1, 0.01, 1.0, 0.125, 0.5])),
               "trainings": []}
    for _ in range(trainings):
        n = draw(st.integers(*epochs))
        values = draw(_curve(n, draw(st.integers(0, 3)), missing, direction))
        other = "loss" if monitor != "loss" else "val_loss"
        payload["trainings"].append([{monitor: v, other: draw(_grid(0.0, 2.0))} for v in values])
    return payload


def _script(init, values, lr=0.1, metrics=None, trainings=None):
    monitor = init.get("monitor", "val_loss")
    payload = {"init": dict(init), "initial_lr": lr,
               "trainings": [[{monitor: v} for v in t] for t in (trainings or [values])]}
    if metrics:
        payload["metrics"] = metrics
    return payload


DOC = {"monitor": "val_loss", "factor": 0.2, "patience": 5, "min_lr": 0.001}
TRAIN = [0.9, 0.8, 0.75, 0.7, 0.68, 0.66, 0.65, 0.64, 0.63, 0.62, 0.61, 0.6, 0.59, 0.58]
ACC = [{"name": "accuracy", "direction": "up"}]


def _plateau_fixed():
    flat = [1.0] * 8
    return [
        ("lecture", _script(DOC, [1.0, 0.875, 0.75, 0.75, 0.8125, 0.75, 0.875, 0.75, 0.78125,
                                  0.625, 0.625, 0.625, 0.625, 0.625, 0.625, 0.625])),
        ("lecture", _script(DOC, [0.5] * 12)),
        ("lecture", {**_script(DOC, [1.0, 0.9375, 0.875, 0.875, 0.875, 0.875, 0.875, 0.90625]),
                     "trainings": [[{"val_loss": v, "loss": t} for v, t in
                                    zip([1.0, 0.9375, 0.875, 0.875, 0.875, 0.875, 0.875, 0.90625],
                                        TRAIN)]]}),
        ("patience", _script({"patience": 0, "factor": 0.5, "min_delta": 0}, [1.0, 1.0, 0.5, 0.75])),
        ("patience", _script({"patience": 2, "factor": 0.5, "min_delta": 0}, flat)),
        ("patience", _script({"patience": 1, "factor": 0.5, "min_delta": 0.125},
                             [1.0, 0.9375, 0.875, 0.8125, 0.5])),
        ("patience", _script({"patience": 1, "factor": 0.5, "min_delta": -0.125},
                             [1.0, 1.0625, 1.125, 0.75])),
        ("patience", _script({"patience": 3, "factor": 0.0, "min_delta": 0}, flat)),
        ("cooldown", _script({"patience": 1, "factor": 0.5, "cooldown": 1, "min_delta": 0}, flat)),
        ("cooldown", _script({"patience": 1, "factor": 0.5, "cooldown": 2, "min_delta": 0}, flat)),
        ("cooldown", _script({"patience": 3, "factor": 0.5, "cooldown": 2, "min_delta": 0},
                             flat + flat)),
        ("cooldown", _script({"patience": 1, "factor": 0.5, "cooldown": 3, "min_delta": 0},
                             [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5])),
        ("min_lr", _script({"patience": 1, "factor": 0.5, "min_delta": 0, "min_lr": 0.02}, flat)),
        ("min_lr", _script({"patience": 1, "factor": 0.5, "min_delta": 0, "min_lr": 1 / 64},
                           flat, lr=0.125)),
        ("min_lr", _script({"patience": 2, "factor": 0.1, "min_delta": 0, "min_lr": 0.005},
                           flat + flat)),
        ("mode", _script({"monitor": "val_accuracy", "patience": 1, "factor": 0.5,
                          "min_delta": 0}, [0.5, 0.625, 0.75, 0.75, 0.6875], metrics=ACC)),
        ("mode", _script({"monitor": "val_accuracy", "mode": "max", "patience": 1,
                          "factor": 0.5, "min_delta": 0}, [0.5, 0.625, 0.75, 0.75, 0.6875])),
        ("mode", _script({"monitor": "val_auc", "patience": 1, "factor": 0.5, "min_delta": 0},
                         [0.5, 0.625, 0.625, 0.75],
                         metrics=[{"name": "auc", "direction": "up"}])),
        ("mode", _script({"monitor": "val_mae", "patience": 1, "factor": 0.5, "min_delta": 0},
                         [0.5, 0.375, 0.4375, 0.25], metrics=[{"name": "mae", "direction": "down"},
                                                             *ACC])),
        ("mode", _script({"monitor": "val_loss", "mode": "max", "patience": 1, "factor": 0.5,
                          "min_delta": 0}, [1.0, 0.875, 0.75, 1.125])),
        ("mode", _script({"monitor": "accuracy", "mode": "min", "patience": 1, "factor": 0.5,
                          "min_delta": 0}, [0.5, 0.625, 0.375, 0.375], metrics=ACC)),
        # min_delta makes improving harder in max mode too (current - min_delta > best): a
        # flat run and steps of 1/64 under min_delta=1/32 are no improvement
        ("mode", _script({"monitor": "val_accuracy", "mode": "max", "patience": 2,
                          "factor": 0.5, "min_delta": 1 / 32}, [0.5] * 6)),
        ("mode", _script({"monitor": "val_accuracy", "mode": "max", "patience": 2,
                          "factor": 0.5, "min_delta": 1 / 32},
                         [0.5 + k / 64 for k in range(7)])),
        ("mode", _script({"monitor": "val_accuracy", "patience": 2, "factor": 0.5,
                          "min_delta": 1 / 32}, [0.5 + k / 64 for k in range(7)], metrics=ACC)),
        # an unknown mode string: Keras warns and falls back to 'auto' (it is case-sensitive)
        ("mode", _script({"monitor": "val_loss", "mode": "bogus", "patience": 1, "factor": 0.5,
                          "min_delta": 0}, [1.0, 0.875, 1.0, 1.0])),
        ("mode", _script({"monitor": "val_loss", "mode": "Max", "patience": 1, "factor": 0.5,
                          "min_delta": 0}, [1.0, 0.875, 1.0, 1.0])),
        ("mode", _script({"monitor": "val_accuracy", "mode": "bogus", "patience": 1,
                          "factor": 0.5, "min_delta": 0}, [0.5, 0.625, 0.5, 0.75], metrics=ACC)),
        ("missing", _script({"patience": 2, "factor": 0.5, "min_delta": 0},
                            [1.0, None, None, 1.0, None, 1.0, 0.5])),
        ("missing", _script({"patience": 1, "factor": 0.5, "cooldown": 2, "min_delta": 0},
                            [1.0, 1.0, None, None, 1.0, 1.0, 1.0])),
        ("missing", _script({"patience": 1, "factor": 0.5, "min_delta": 0},
                            [None, None, 1.0, 1.0, 0.5])),
        ("reuse", _script({"patience": 2, "factor": 0.5, "min_delta": 0}, None,
                          trainings=[[1.0, 1.0], [2.0, 2.0, 2.0]])),
        ("reuse", _script({"patience": 1, "factor": 0.5, "cooldown": 2, "min_delta": 0}, None,
                          trainings=[[1.0, 1.0, 1.0], [0.5, 0.5, 0.5, 0.5]])),
        ("errors", _script({"factor": 1.0}, [1.0, 1.0])),
        ("errors", _script({"factor": 1.5, "patience": 1}, [1.0])),
        ("errors", _script({"monitor": "val_my_score", "patience": 1}, [0.5, 0.625],
                           metrics=[{"name": "my_score", "direction": None}])),
        ("errors", _script({"monitor": "val_accuracy", "patience": 1}, [0.5, 0.625])),
        ("float32", _script({"patience": 1, "factor": 0.5, "min_delta": 0, "min_lr": 0.001},
                            flat, lr=0.004)),
        ("float32", _script({"patience": 2, "factor": 0.5, "min_delta": 0, "min_lr": 0.1},
                            flat + flat, lr=0.4)),
        # min_lr=0.02 is reached too, but its float32 is below it: nothing is reduced there,
        # in float32 and in float64 alike (a callback reducing at min_lr differs)
        ("float32", _script({"patience": 1, "factor": 0.5, "min_delta": 0, "min_lr": 0.02},
                            flat)),
    ]


def _plateau_public():
    any_mode = {"monitors": ("val_loss", "loss"), "modes": ("auto", "min")}
    draws = {
        "patience": (scenario(deltas=(0, 1e-4, 1 / 64, 1 / 32, -1 / 32), **any_mode), 10),
        "cooldown": (scenario(patience=(0, 3), cooldown=(1, 3), epochs=(6, 16), **any_mode), 8),
        "min_lr": (scenario(patience=(0, 2), min_lrs=tuple(m for m in P.SAFE_MIN_LR if m),
                            factors=(0.1, 0.5), epochs=(8, 16), cooldown=(0, 1), **any_mode), 8),
        "missing": (scenario(missing=True, cooldown=(0, 2), **any_mode), 6),
        "reuse": (scenario(trainings=2, cooldown=(0, 2), epochs=(3, 8), **any_mode), 6),
        "mode": (scenario(modes=("max",), monitors=("val_accuracy", "accuracy"),
                          deltas=(0, 1 / 64, 1 / 32, -1 / 32), cooldown=(0, 2)), 4),
    }
    cases = _plateau_fixed()
    for tag, (strategy, n) in draws.items():
        cases += [(tag, c) for c in collect(strategy, n)]
    return cases


def _plateau_hidden():
    mixed = {"patience": (0, 4), "deltas": (0, 1e-4, 1 / 64, -1 / 64), "cooldown": (0, 3),
                 "min_lrs": P.SAFE_MIN_LR, "missing": True}
    cases = (collect(scenario(**mixed), 10) + collect(scenario(trainings=2, **mixed), 6)
             + collect(scenario(modes=("max",), monitors=("val_accuracy", "accuracy"),
                                **{**mixed, "deltas": (0, 1 / 64, 1 / 32, -1 / 32)}), 3)
             + [_script({"monitor": "val_accuracy", "patience": 2, "factor": 0.5, "cooldown": 1,
                         "min_delta": 0}, [0.5, 0.5, 0.625, 0.625, 0.625, 0.625, 0.75, 0.75],
                        metrics=ACC),
                _script({"monitor": "loss", "mode": "MIN", "patience": 2, "factor": 0.5,
                         "min_delta": 0}, [0.5, 0.625, 0.625, 0.75, 0.5])])
    return [("hidden", c) for c in cases]


# -- the recorders ------------------------------------------------------------------------------

def _tagged(pairs):
    return lambda: [((tag,), inputs) for tag, inputs in pairs()]


def _plateau_recorder():
    tags = {}

    def public():
        pairs = _plateau_public()
        for tag, inputs in pairs:
            tags[id(inputs)] = (tag,)
        return [((tag,), inputs) for tag, inputs in pairs]

    def expected(inputs):
        return plateau_expected(inputs, tags.get(id(inputs), ()))

    return PartRecorder(cases=public, hidden_cases=_tagged(_plateau_hidden), expected=expected,
                        mistakes=plateau_mistakes)


def recorders() -> dict:
    recs = {}
    for part_id in S.PARTS:
        if part_id in ("exponential_decay", "inverse_time_decay"):
            public, hidden = (lambda p=part_id: _exp_public(p)), (lambda p=part_id: _exp_hidden(p))
        elif part_id == "piecewise_constant":
            public, hidden = _piecewise_public, _piecewise_hidden
        else:
            public, hidden = _cosine_public, _cosine_hidden
        recs[part_id] = PartRecorder(cases=_tagged(public), hidden_cases=_tagged(hidden),
                                     expected=schedule_expected(part_id),
                                     mistakes=schedule_mistakes(part_id))
    recs["reduce_lr_on_plateau"] = _plateau_recorder()
    return recs
