"""Checks of the four schedule parts (the student module ``schedules.py``).

A case's ``inputs`` are ``{"kwargs": {...}, "steps": [int, ...], "numpy_steps": bool}``:
one configuration of the schedule (the function's keyword arguments other than
``step``) and the steps it is called at (as ``numpy.int64`` when ``numpy_steps``).
``expected`` (and each recorded mistake) is ``{"values": [float, ...]}``, the rate at
each step, or ``{"raises": "ValueError"}`` when Keras's constructor refuses the
configuration. The student's function runs on all the steps of a case in one request
(the ``schedule_steps`` driver); when that request fails, the steps are replayed one
call at a time, so the failure shows the very call that raised.

Keras computes in float32; the comparisons accept any float64 implementation of the
formula: ``|got - expected| <= RTOL * |expected| + ATOL * scale``, where ``scale`` is
the largest rate the configuration can give (its initial rate, warmup target or
largest value).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from grader.checking import call_text, example, failed_call, run_property
from grader.declaration import Check, Part, Probe, T
from grader.diagnosis import note_candidates
from grader.errors import Failure
from grader.lazy_hypothesis import st  # hypothesis only when recording (see there)
from grader.sandbox.runner import CallFailed

RTOL = 1e-5
ATOL = 1e-6          # times the configuration's scale (see the module's docstring)

#: part id -> (the student's function, Keras's class, points)
PARTS = {
    "exponential_decay": ("exponential_decay", "ExponentialDecay", 15),
    "piecewise_constant": ("piecewise_constant_decay", "PiecewiseConstantDecay", 10),
    "inverse_time_decay": ("inverse_time_decay", "InverseTimeDecay", 10),
    "cosine_decay": ("cosine_decay", "CosineDecay", 20),
}

STAIRS = (("With staircase=True Keras FLOORS step / decay_steps: the rate changes only when a "
           "whole decay_steps has passed (step 15 with decay_steps=10 is still in period 1)."),
          ("staircase=True일 때 Keras는 step / decay_steps를 내림(floor)합니다. decay_steps가 다 "
           "지나야 학습률이 바뀝니다 (decay_steps=10이면 step 15는 아직 1번째 구간입니다)."))
HINTS = {
    "exponential_decay": {
        "exponential_decay_staircase_round": T(
            STAIRS[0] + " You rounded it, so the rate drops half a period early.",
            STAIRS[1] + " 반올림(round)을 써서 반 구간 일찍 떨어집니다."),
        "exponential_decay_ignores_staircase": T(
            "staircase=True must floor the exponent: lr = initial_learning_rate * decay_rate ** "
            "floor(step / decay_steps), constant between multiples of decay_steps. You always "
            "used the smooth curve.",
            "staircase=True이면 지수를 내림해야 합니다: lr = initial_learning_rate * decay_rate ** "
            "floor(step / decay_steps). decay_steps의 배수 사이에서는 값이 일정합니다. 지금은 "
            "항상 매끄러운 곡선을 씁니다."),
        "exponential_decay_always_staircase": T(
            "By default (staircase=False) the exponent is the real number step / decay_steps, so "
            "the rate decays a little at every step; floor it only when staircase=True.",
            "기본값(staircase=False)에서는 지수가 실수 step / decay_steps이므로 매 스텝 조금씩 "
            "줄어듭니다. 내림은 staircase=True일 때만 합니다."),
        "exponential_decay_natural_exp": T(
            "Keras's ExponentialDecay is initial_learning_rate * decay_rate ** (step / "
            "decay_steps): decay_rate is the factor applied per decay_steps steps, not a rate k "
            "in exp(-k * t).",
            "Keras의 ExponentialDecay는 initial_learning_rate * decay_rate ** (step / "
            "decay_steps)입니다. decay_rate는 decay_steps 스텝마다 곱하는 비율이지, exp(-k * t)의 "
            "k가 아닙니다."),
        "exponential_decay_step_plus_one": T(
            "Steps are 0-based: at step 0 the rate is exactly initial_learning_rate (decay_rate "
            "** 0 = 1). Use step as given, not step + 1.",
            "스텝은 0부터 셉니다. step 0의 학습률은 정확히 initial_learning_rate입니다 "
            "(decay_rate ** 0 = 1). step + 1이 아니라 step을 그대로 쓰세요."),
    },
    "piecewise_constant": {
        "piecewise_boundary_exclusive": T(
            "A step equal to a boundary belongs to the interval BEFORE it: values[0] while "
            "step <= boundaries[0] (Keras compares with <=), values[1] only from "
            "boundaries[0] + 1 on.",
            "경계와 같은 스텝은 '앞' 구간에 속합니다. step <= boundaries[0]이면 values[0]이고 "
            "(Keras는 <=로 비교합니다), values[1]은 boundaries[0] + 1부터입니다."),
        "piecewise_last_value_missing": T(
            "After the last boundary the rate is values[-1]: there is one more value than "
            "boundaries.",
            "마지막 경계 뒤의 학습률은 values[-1]입니다. values는 boundaries보다 하나 많습니다."),
        "piecewise_no_length_check": T(
            "Keras raises ValueError when len(values) != len(boundaries) + 1: check the lengths "
            "before using them.",
            "len(values) != len(boundaries) + 1이면 Keras는 ValueError를 냅니다. 쓰기 전에 "
            "길이를 확인하세요."),
        "piecewise_lengths_must_match": T(
            "values has ONE MORE entry than boundaries (n boundaries make n + 1 intervals): "
            "raise ValueError only when len(values) != len(boundaries) + 1.",
            "values는 boundaries보다 '하나 더' 많습니다 (경계 n개가 구간 n + 1개를 만듭니다). "
            "len(values) != len(boundaries) + 1일 때만 ValueError를 내세요."),
    },
    "inverse_time_decay": {
        "inverse_time_decay_ignores_staircase": T(
            "staircase=True floors t = step / decay_steps: lr = initial_learning_rate / (1 + "
            "decay_rate * floor(step / decay_steps)), constant between multiples of decay_steps.",
            "staircase=True이면 t = step / decay_steps를 내림합니다: lr = initial_learning_rate / "
            "(1 + decay_rate * floor(step / decay_steps)). decay_steps의 배수 사이에서는 값이 "
            "일정합니다."),
        "inverse_time_decay_always_staircase": T(
            "By default (staircase=False) t is the real number step / decay_steps, so the rate "
            "decays a little at every step; floor it (step // decay_steps) only when "
            "staircase=True.",
            "기본값(staircase=False)에서는 t가 실수 step / decay_steps이므로 매 스텝 조금씩 "
            "줄어듭니다. 내림(step // decay_steps)은 staircase=True일 때만 합니다."),
        "inverse_time_decay_staircase_round": T(
            STAIRS[0] + " Rounding makes the rate drop half a period early.",
            STAIRS[1] + " 반올림하면 반 구간 일찍 떨어집니다."),
        "inverse_time_decay_power_form": T(
            "InverseTimeDecay divides by (1 + decay_rate * t), which is linear in t; dividing by "
            "(1 + decay_rate) ** t is an exponential decay.",
            "InverseTimeDecay는 t에 대해 선형인 (1 + decay_rate * t)로 나눕니다. "
            "(1 + decay_rate) ** t로 나누면 지수 감쇠가 됩니다."),
        "inverse_time_decay_ignores_decay_steps": T(
            "t is step / decay_steps, not step: with decay_rate=1 the rate halves after "
            "decay_steps steps, not after one step.",
            "t는 step이 아니라 step / decay_steps입니다. decay_rate=1이면 한 스텝이 아니라 "
            "decay_steps 스텝 뒤에 학습률이 절반이 됩니다."),
    },
    "cosine_decay": {
        "cosine_decay_no_clip": T(
            "After decay_steps (after warmup_steps + decay_steps with a warmup) the step is "
            "clipped: the rate stays at its minimum alpha * start; it does not rise again along "
            "the cosine.",
            "decay_steps가 지나면 (웜업이 있으면 warmup_steps + decay_steps가 지나면) step을 그 "
            "값에서 멈춥니다. 학습률은 최솟값 alpha * 시작값에 머물고, 코사인을 따라 다시 "
            "올라가지 않습니다."),
        "cosine_decay_no_clip_without_warmup": T(
            "Without a warmup_target the step is clipped too: min(step, decay_steps), so after "
            "decay_steps the rate stays at alpha * initial_learning_rate. You clip only with a "
            "warmup; the plain decay rises again along the cosine.",
            "warmup_target이 없어도 step을 자릅니다: min(step, decay_steps). 그래서 decay_steps "
            "뒤에는 학습률이 alpha * initial_learning_rate에 머뭅니다. 지금은 웜업이 있을 때만 "
            "잘라서, 웜업 없는 감쇠는 코사인을 따라 다시 올라갑니다."),
        "cosine_decay_alpha_absolute": T(
            "alpha is a FRACTION of the starting rate: lr = start * ((1 - alpha) * cosine + "
            "alpha), so the final rate is alpha * start, not alpha itself.",
            "alpha는 시작 학습률에 대한 '비율'입니다: lr = start * ((1 - alpha) * cosine + alpha). "
            "마지막 학습률은 alpha 자체가 아니라 alpha * start입니다."),
        "cosine_warmup_from_zero": T(
            "The warmup is the straight line from initial_learning_rate (not from 0) to "
            "warmup_target: lr = (warmup_target - initial_learning_rate) * step / warmup_steps "
            "+ initial_learning_rate.",
            "웜업은 0이 아니라 initial_learning_rate에서 warmup_target까지 가는 직선입니다: lr = "
            "(warmup_target - initial_learning_rate) * step / warmup_steps + "
            "initial_learning_rate."),
        "cosine_warmup_zero_steps_ignores_target": T(
            "With a warmup_target the decay always starts from warmup_target, even with "
            "warmup_steps=0 (no ramp at all): Keras then never uses initial_learning_rate.",
            "warmup_target이 있으면 warmup_steps=0이어도 (올라가는 구간 없이) 감쇠는 "
            "warmup_target에서 시작합니다. 이때 Keras는 initial_learning_rate를 쓰지 않습니다."),
        "cosine_warmup_inside_decay_steps": T(
            "The decay lasts decay_steps steps AFTER the warmup: from step warmup_steps to step "
            "warmup_steps + decay_steps (the warmup is not part of decay_steps).",
            "감쇠는 웜업이 끝난 '뒤' decay_steps 스텝 동안 이어집니다: step warmup_steps부터 "
            "warmup_steps + decay_steps까지입니다 (웜업은 decay_steps에 들어가지 않습니다)."),
        "cosine_warmup_steps_without_target": T(
            "Without warmup_target there is no warmup at all: warmup_steps is ignored and the "
            "decay starts at step 0.",
            "warmup_target이 없으면 웜업이 전혀 없습니다. warmup_steps는 무시되고 감쇠는 step "
            "0에서 시작합니다."),
        "cosine_warmup_off_by_one": T(
            "The ramp uses the 0-based step: lr = initial_learning_rate + (warmup_target - "
            "initial_learning_rate) * step / warmup_steps, so the rate at step 0 is "
            "initial_learning_rate and warmup_target is reached at step warmup_steps.",
            "웜업 직선은 0부터 세는 step을 씁니다: lr = initial_learning_rate + (warmup_target - "
            "initial_learning_rate) * step / warmup_steps. step 0의 학습률은 "
            "initial_learning_rate이고, step warmup_steps에서 warmup_target에 닿습니다."),
    },
}


# -- the student's outcome -------------------------------------------------------------------

def scale_of(kwargs: dict) -> float:
    """The largest rate a configuration can give (the comparisons' ``atol`` unit)."""
    rates = [kwargs.get("initial_learning_rate"), kwargs.get("warmup_target"),
             *(kwargs.get("values") or ())]
    finite = [abs(float(r)) for r in rates if isinstance(r, (int, float)) and math.isfinite(r)]
    return max(finite, default=0.0) or 1.0


def close(got: float, expected: float, scale: float) -> bool:
    return abs(got - expected) <= RTOL * abs(expected) + ATOL * scale


#: The ints a rate may be (the wire refuses others, see wire.INT_MIN/MAX): a float holds them.
INT_RANGE = (-(1 << 63), (1 << 64) - 1)


def _as_rate(value, what: str) -> float:
    """A returned rate as a float; Failure for anything else than one real number.
    ``value`` came from the student's process (a call's result, or what the driver made
    of one): it is checked by its exact type before anything converts it."""
    if value is None:
        raise Failure(f"{what} returned None (did you forget to return the rate?)")
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        if INT_RANGE[0] <= value <= INT_RANGE[1]:
            return float(value)
        value = {"unsupported": "int too large"}
    elif kind is not dict:
        value = _plain(value)
    if isinstance(value, dict):
        marker = value.get("unsupported")
        name = marker if type(marker) is str and len(value) == 1 and 0 < len(marker) <= 60 \
            and marker.replace(" ", "").replace("_", "").isalnum() and marker.isascii() \
            else "value"
        raise Failure(f"{what} returned {'an' if name[:1] in 'aeiou' else 'a'} {name}, "
                      "expected one number (a float)")
    return float(value)


def _values(raw, fn: str, steps) -> list:
    """The rates the ``schedule_steps`` driver returned for ``steps``, as floats: one
    value per step, else a Failure (the driver runs in the student's process)."""
    if type(raw) is not list or len(raw) != len(steps):
        got = f"{len(raw)} values" if type(raw) is list else f"a {type(raw).__name__}"
        raise Failure(f"`{fn}` left the grader's driver returning {got} for {len(steps)} "
                      "steps (did your code replace or change the grader's driver?)")
    return [_as_rate(v, f"`{fn}`") for v in raw]


def show_call(fn: str, step, kwargs: dict):
    return call_text(fn, (step,), kwargs)


def _raised(exc: CallFailed) -> bool:
    """Did the student's code raise an exception (rather than hang, crash, import a
    forbidden module...)?"""
    return exc.kind == "exception" and not exc.message.startswith(("called ", "raised "))


def _replay(ctx, fn: str, inputs: dict) -> dict:
    """The student's outcome one call at a time (after the batched request failed). An
    exception ends it as ``{"raises": name, "step": ..., "message": ..., "trace": ...}``
    (a known mistake may raise the same); any other failure becomes the check's
    Failure, with its traceback."""
    kwargs = inputs["kwargs"]
    out = []
    for step in inputs["steps"]:
        arg = np.int64(step) if inputs.get("numpy_steps") else int(step)
        try:
            value = ctx.call(fn, arg, **kwargs)
        except CallFailed as exc:
            if _raised(exc):
                return {"raises": exc.message.split(":", 1)[0].strip(), "step": int(step),
                        "message": exc.message, "trace": exc.trace}
            f = failed_call(exc, f"`{fn}`")
            f.message, _, trace = f.message.partition("\n")
            f.example = example(show_call(fn, arg, kwargs), error=trace or f.message)
            raise f from None
        out.append(_as_rate(value, f"`{fn}`"))
    return {"values": out}


def _plain(value):
    """A value that came back from the worker (plain data) as a float, or a marker."""
    if isinstance(value, (bool, np.bool_)):
        return {"unsupported": "bool"}
    try:
        arr = np.asarray(value)
        if arr.ndim == 0 and arr.dtype.kind in "iuf":
            return float(arr)
    except Exception:  # noqa: BLE001, S110 - e.g. a ragged tuple: not a number, said below
        pass
    return {"unsupported": "list" if isinstance(value, list) else type(value).__name__}


def student_outcome(ctx, fn: str, inputs: dict, expects_error: bool = False) -> dict:
    """``{"values": [...]}`` (floats), or ``{"raises": name, ...}`` when a step raises.
    Failure for a call that fails otherwise (a hang, a crash...) or a value that is
    not a number."""
    if not expects_error:
        raw = ctx.drive(fn, "schedule_steps", inputs, units=len(inputs["steps"]),
                        batched=True, shown=f"`{fn}` on {len(inputs['steps'])} steps")
        if raw is not None:
            return {"values": _values(raw, fn, inputs["steps"])}
    return _replay(ctx, fn, inputs)


# -- comparing outcomes ------------------------------------------------------------------------

def first_difference(got: dict, expected: dict, inputs: dict):
    """None when the outcomes agree, else ``(step, message)`` for the first difference."""
    steps = inputs["steps"]
    if "raises" in expected:
        if got.get("raises") == expected["raises"]:
            return None
        if "raises" in got:
            return steps[0], (f"raised {got['raises']}; Keras's constructor raises "
                              f"{expected['raises']} for this configuration")
        return steps[0], (f"returned {got['values'][0]!r}; Keras's constructor raises "
                          f"{expected['raises']} for this configuration")
    if "raises" in got:
        step = got.get("step", steps[0])
        value = expected["values"][list(steps).index(step)]
        # "ValueError: 'its message'": the exception's own words, quoted (not the grader's)
        name, colon, words = (got.get("message") or got["raises"]).partition(": ")
        raised = f"{name}: {words!r}" if colon else name
        return step, f"at step {step}: raised {raised}; Keras returns {value!r}"
    scale = scale_of(inputs["kwargs"])
    for step, g, e in zip(steps, got["values"], expected["values"]):
        if not (close(g, e, scale) or (math.isnan(g) and math.isnan(e))):
            return step, (f"at step {step}: got {g!r}, expected {e!r} "
                          f"(rtol {RTOL:g}, atol {ATOL * scale:.3g})")
    if len(got["values"]) != len(expected["values"]):
        return steps[0], f"{len(got['values'])} values for {len(expected['values'])} steps"
    return None


def behaving_alike(student: list, cases) -> list:
    """The recorded mistakes reproducing the student's outcome on every given case."""
    found = []
    for mistake in dict.fromkeys(m for c in cases for m in c.mistakes):
        if all(mistake in c.mistakes and first_difference(got, c.mistakes[mistake], c.inputs)
               is None for c, got in zip(cases, student)):
            found.append(mistake)
    return found


def passed_outcomes(ctx, cases=(), student=()) -> list:
    """The recorded cases of the checks of the part the student has passed so far in this
    grading, with the student's outcomes, ``[(case, outcome)]`` (``cases`` and ``student``
    added first: those of a check that has just passed). A name must agree with them: a
    mistake that would have failed a check the student passed is not the student's. (The
    passing cases of a failing check do not rule a mistake out: the student's slip may be
    narrower than the catalogued one.) Public checks run in their declared order, hidden
    ones last."""
    passed = ctx.__dict__.setdefault("_lr_schedules_passed", {})
    for case, got in zip(cases, student):
        passed[case.id] = (case, got)
    return list(passed.values())


def reference_check(part_id: str, *, tag=None, hidden=False):
    """Compare with Keras on every recorded case of ``tag``; fail on the smallest failing
    case, naming the known mistake that behaves like the student on every case of the
    check and of the checks passed so far (:func:`passed_outcomes`)."""
    fn, keras_name, _ = PARTS[part_id]

    def run(ctx):
        cases = ctx.cases(hidden=hidden, tag=tag)
        if not cases:
            raise Failure("no recorded cases for this check")
        student, failing = [], []
        for case in cases:
            got = student_outcome(ctx, fn, case.inputs, "raises" in case.expected)
            student.append(got)
            bad = first_difference(got, case.expected, case.inputs)
            if bad:
                failing.append((case, got, bad))
        if not failing:
            passed_outcomes(ctx, cases, student)
            return
        passed = passed_outcomes(ctx)
        case, got, (step, bad) = failing[0]
        msg = f"differs from Keras {keras_name}: {bad}"
        if tag or hidden:
            msg += f" [case {case.id}]"
        if len(failing) > 1:
            msg += f" ({len(failing)} of {len(cases)} cases differ)"
        found = behaving_alike([*student, *(g for _, g in passed)],
                               [*cases, *(c for c, _ in passed)])
        failure = Failure(msg, example=example(
            show_call(fn, step, case.inputs["kwargs"]),
            expected=_outcome_at(case.expected, case.inputs, step),
            got=_outcome_at(got, case.inputs, step),
            error=got.get("trace", "") if "values" in case.expected else ""),
            diagnosis=found[0] if len(found) == 1 else "")
        # what the check saw go wrong: the mistakes reproducing its failing cases (and the
        # checks passed); a name another failing check shows is dropped when these rule it
        # out (grader/diagnosis.py)
        note_candidates(ctx, failure,
                        behaving_alike([*(g for _, g, _ in failing), *(g for _, g in passed)],
                                       [*(c for c, _, _ in failing), *(c for c, _ in passed)]),
                        {m for c in cases for m in c.mistakes})
        raise failure

    return run


def errors_check(part_id: str):
    """The refused configurations raise ValueError (the ``errors`` cases), counted only
    when valid arguments give rates that change with the step (on the part's first
    lecture case): a function that returns a constant, or raises on everything, earns
    nothing for refusing what Keras refuses."""
    fn, _, _ = PARTS[part_id]
    compare = reference_check(part_id, tag="errors")

    def run(ctx):
        case = ctx.cases(tag="lecture")[0]
        got = student_outcome(ctx, fn, case.inputs)
        steps = case.inputs["steps"]
        head = "the refused arguments count once valid ones give the schedule's rates"
        shown = example(show_call(fn, steps[0], case.inputs["kwargs"]),
                        expected=", ".join(repr(v) for v in case.expected["values"]),
                        got=(f"raises {got['raises']}" if "raises" in got
                             else ", ".join(repr(v) for v in got["values"])))
        if "raises" in got:
            raise Failure(f"{head}: on the lecture's example your function raised "
                          f"{got['raises']} at step {got.get('step', steps[0])}", example=shown)
        values = got["values"]
        if len(set(values)) < 2:
            raise Failure(f"{head}: at steps {steps[0]} to {steps[-1]} of the lecture's example "
                          f"your function returns {values[0]!r} at every step (Keras's rates go "
                          f"from {case.expected['values'][0]!r} to "
                          f"{case.expected['values'][-1]!r})", example=shown)
        return compare(ctx)

    return run


def _outcome_at(outcome: dict, inputs: dict, step) -> str:
    if "raises" in outcome:
        return f"raises {outcome['raises']}"
    return repr(outcome["values"][list(inputs["steps"]).index(step)])


# -- properties (no reference needed: the student's own values against each other) -----------

def _rates(ctx, fn, kwargs, steps) -> list:
    """The student's rates at ``steps`` (inside a property: CallFailed goes through)."""
    raw = ctx.drive(fn, "schedule_steps", {"kwargs": kwargs, "steps": list(steps)},
                    units=len(steps), shown=f"`{fn}` on {len(steps)} steps")
    return _values(raw, fn, steps)


def _prop_fail(msg, fn, kwargs, step, expected, got):
    raise Failure(msg, example=example(show_call(fn, step, kwargs), expected=expected,
                                       got=repr(got)))


def _describe(fn):
    def describe(ex):
        args = ", ".join(f"{k}={v!r}" for k, v in ex["kwargs"].items())
        return example(f"{fn}(step, {args}) at several steps")
    return describe


def _initial_rates():
    return st.sampled_from([0.1, 0.01, 1.0, 0.001, 0.5]) | st.floats(1e-4, 1.0)


@st.composite
def _exp_inputs(draw, staircase=None):
    ds = draw(st.sampled_from([1, 2, 3, 5, 10, 100]) | st.integers(1, 60))
    kwargs = {"initial_learning_rate": draw(_initial_rates()), "decay_steps": ds,
              "decay_rate": draw(st.sampled_from([0.5, 0.96, 0.9, 0.1]) | st.floats(0.05, 0.99)),
              "staircase": draw(st.booleans()) if staircase is None else staircase}
    return {"kwargs": kwargs, "period": draw(st.integers(0, 6)),
            "offset": draw(st.integers(0, ds - 1))}


def exponential_staircase_property():
    """staircase=True: the rate is constant within a period of decay_steps steps and is
    multiplied by decay_rate from one period to the next."""
    fn = "exponential_decay"

    def run(ctx):
        def body(ex):
            kw, ds = ex["kwargs"], ex["kwargs"]["decay_steps"]
            start = ex["period"] * ds
            steps = [start, start + ex["offset"], start + ds - 1, start + ds]
            a, b, c, d = _rates(ctx, fn, kw, steps)
            scale = scale_of(kw)
            if not a > 0:
                _prop_fail(f"the rate must be positive (initial_learning_rate and decay_rate "
                           f"are): step {start} gives {a!r}", fn, kw, start, "a rate > 0", a)
            for step, value in ((steps[1], b), (steps[2], c)):
                if not close(value, a, scale):
                    _prop_fail(f"with staircase=True the rate must stay constant within a period: "
                               f"step {step} gives {value!r}, step {start} gives {a!r}",
                               fn, kw, step, repr(a), value)
            want = kw["decay_rate"] * a
            if not close(d, want, scale):
                _prop_fail(f"with staircase=True the rate at step {start + ds} (the next period) "
                           f"must be decay_rate * the rate at step {start} = {want!r}",
                           fn, kw, start + ds, repr(want), d)
        run_property(_exp_inputs(staircase=True), body, max_examples=ctx.settings.max_examples,
                     describe=_describe(fn))
    return run


def exponential_ratio_property():
    """lr(0) = initial_learning_rate and lr(step + decay_steps) = decay_rate * lr(step)."""
    fn = "exponential_decay"

    def run(ctx):
        def body(ex):
            kw, ds = ex["kwargs"], ex["kwargs"]["decay_steps"]
            step = ex["period"] * ds + ex["offset"]
            first, a, b = _rates(ctx, fn, kw, [0, step, step + ds])
            scale = scale_of(kw)
            if not close(first, kw["initial_learning_rate"], scale):
                _prop_fail("the rate at step 0 must be initial_learning_rate", fn, kw, 0,
                           repr(kw["initial_learning_rate"]), first)
            if not close(b, kw["decay_rate"] * a, scale):
                _prop_fail(f"one period later the rate must be multiplied by decay_rate: step "
                           f"{step + ds} should give decay_rate * {a!r}", fn, kw, step + ds,
                           repr(kw["decay_rate"] * a), b)
        run_property(_exp_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=_describe(fn))
    return run


@st.composite
def _piecewise_inputs(draw):
    bounds = sorted(draw(st.sets(st.integers(0, 300), min_size=1, max_size=5)))
    values = draw(st.lists(st.sampled_from([1.0, 0.5, 0.1, 0.01, 0.05]) | st.floats(1e-4, 1.0),
                           min_size=len(bounds) + 1, max_size=len(bounds) + 1))
    return {"kwargs": {"boundaries": bounds, "values": values}}


def piecewise_property():
    """A boundary step gets the value of the interval before it, the next step the next
    value; step 0 the first value and any step after the last boundary the last."""
    fn = "piecewise_constant_decay"

    def run(ctx):
        def body(ex):
            kw = ex["kwargs"]
            bounds, values = kw["boundaries"], kw["values"]
            steps = [0, *[s for b in bounds for s in (b, b + 1)], bounds[-1] + 50]
            wants = [values[0], *[v for i in range(len(bounds)) for v in (values[i],
                                                                          values[i + 1])],
                     values[-1]]
            got = _rates(ctx, fn, kw, steps)
            for step, g, w in zip(steps, got, wants):
                if not close(g, w, scale_of(kw)):
                    where = ("the value of the interval it ends" if step in bounds
                             else "the value of the interval it is in")
                    _prop_fail(f"step {step} must give {where}: {w!r}", fn, kw, step, repr(w), g)
        run_property(_piecewise_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=_describe(fn))
    return run


@st.composite
def _inverse_inputs(draw):
    ds = draw(st.sampled_from([1, 2, 5, 10, 100]) | st.integers(1, 60))
    kwargs = {"initial_learning_rate": draw(_initial_rates()), "decay_steps": ds,
              "decay_rate": draw(st.sampled_from([0.5, 1.0, 2.0]) | st.floats(0.0, 5.0)),
              "staircase": draw(st.booleans())}
    steps = sorted(draw(st.sets(st.integers(1, 8 * ds), min_size=2, max_size=6)))
    return {"kwargs": kwargs, "steps": steps}


def inverse_property():
    """lr(0) = initial_learning_rate and initial_learning_rate / lr(step) - 1 =
    decay_rate * t, with t = step / decay_steps (floored when staircase=True)."""
    fn = "inverse_time_decay"

    def run(ctx):
        def body(ex):
            kw = ex["kwargs"]
            got = _rates(ctx, fn, kw, [0, *ex["steps"]])
            lr0, ds, rate = kw["initial_learning_rate"], kw["decay_steps"], kw["decay_rate"]
            if not close(got[0], lr0, scale_of(kw)):
                _prop_fail("the rate at step 0 must be initial_learning_rate", fn, kw, 0,
                           repr(lr0), got[0])
            t_text = "floor(step / decay_steps)" if kw["staircase"] else "step / decay_steps"
            for step, g in zip(ex["steps"], got[1:]):
                t = step // ds if kw["staircase"] else step / ds
                want = lr0 / (1 + rate * t)
                if not close(g, want, scale_of(kw)):
                    _prop_fail(f"initial_learning_rate / lr(step) - 1 must be decay_rate * t with "
                               f"t = {t_text} = {t:g} at step {step}", fn, kw, step, repr(want), g)
        run_property(_inverse_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=_describe(fn))
    return run


@st.composite
def _cosine_inputs(draw, warmup: bool):
    ds = draw(st.sampled_from([1, 2, 10, 100]) | st.integers(1, 200))
    kwargs = {"initial_learning_rate": draw(_initial_rates()), "decay_steps": ds,
              "alpha": draw(st.sampled_from([0.0, 0.1, 0.5]) | st.floats(0.0, 0.99))}
    if warmup:
        kwargs["warmup_target"] = draw(_initial_rates())
        kwargs["warmup_steps"] = draw(st.sampled_from([1, 10]) | st.integers(1, 100))
        kwargs["initial_learning_rate"] = draw(st.sampled_from([0.0, kwargs["initial_learning_rate"]]))
    return {"kwargs": kwargs}


def cosine_decay_property():
    """Without warmup: the rate starts at initial_learning_rate, never increases, is
    halfway between start and alpha * start at decay_steps / 2, reaches alpha * start at
    decay_steps and stays there."""
    fn = "cosine_decay"

    def run(ctx):
        def body(ex):
            kw = ex["kwargs"]
            ds, lr0, alpha = kw["decay_steps"], kw["initial_learning_rate"], kw["alpha"]
            steps = sorted({0, *range(0, ds + 1, max(1, ds // 8)), ds // 2, ds, ds + 1, 2 * ds})
            got = dict(zip(steps, _rates(ctx, fn, kw, steps)))
            scale = scale_of(kw)
            wants = {0: lr0, ds: alpha * lr0, ds + 1: alpha * lr0, 2 * ds: alpha * lr0}
            if ds % 2 == 0:
                wants[ds // 2] = lr0 * (1 + alpha) / 2
            for step, want in wants.items():
                if not close(got[step], want, scale):
                    what = ("initial_learning_rate" if step == 0 else
                            "halfway: initial_learning_rate * (1 + alpha) / 2" if step == ds // 2
                            else "alpha * initial_learning_rate (and it stays there)")
                    _prop_fail(f"the rate at step {step} must be {what}", fn, kw, step,
                               repr(want), got[step])
            for a, b in itertools.pairwise(steps):
                if not got[b] <= got[a] + RTOL * abs(got[a]) + ATOL * scale:   # NaN fails
                    _prop_fail(f"the rate must never increase: step {a} gives {got[a]!r}, "
                               f"step {b} gives {got[b]!r}", fn, kw, b, f"<= {got[a]!r}",
                               got[b])
        run_property(_cosine_inputs(warmup=False), body,
                     max_examples=ctx.settings.max_examples, describe=_describe(fn))
    return run


def cosine_warmup_property():
    """With warmup: the rate follows the straight line from initial_learning_rate (step 0)
    to warmup_target (step warmup_steps), then decays to alpha * warmup_target at step
    warmup_steps + decay_steps and stays there."""
    fn = "cosine_decay"

    def run(ctx):
        def body(ex):
            kw = ex["kwargs"]
            ws, ds = kw["warmup_steps"], kw["decay_steps"]
            lr0, target, alpha = kw["initial_learning_rate"], kw["warmup_target"], kw["alpha"]
            ramp = sorted({0, 1, ws // 2, ws - 1, ws})
            tail = [ws + ds, ws + ds + 1, 2 * (ws + ds)]
            got = dict(zip(ramp + tail, _rates(ctx, fn, kw, ramp + tail)))
            scale = scale_of(kw)
            for step in ramp:
                want = lr0 + (target - lr0) * step / ws
                if not close(got[step], want, scale):
                    _prop_fail(f"during the warmup the rate must be on the line from "
                               f"initial_learning_rate (step 0) to warmup_target (step "
                               f"{ws}): at step {step} it is {want!r}", fn, kw, step, repr(want),
                               got[step])
            for step in tail:
                if not close(got[step], alpha * target, scale):
                    _prop_fail(f"from step warmup_steps + decay_steps = {ws + ds} on, the rate "
                               "must be alpha * warmup_target", fn, kw, step,
                               repr(alpha * target), got[step])
        run_property(_cosine_inputs(warmup=True), body,
                     max_examples=ctx.settings.max_examples, describe=_describe(fn))
    return run


# -- the parts ---------------------------------------------------------------------------------

HIDDEN = T("matches Keras on the hidden cases", "숨겨진 테스트 케이스에서 Keras와 같은 결과")
ERRORS = T("decay_steps <= 0 raises ValueError, as Keras's constructor does (counted once "
           "valid arguments give rates that change with the step)",
           "decay_steps <= 0이면 Keras의 생성자처럼 ValueError를 냄 (올바른 인자에서 학습률이 "
           "step에 따라 바뀌어야 인정)")


def _checks(part_id: str, declared) -> tuple:
    hints = HINTS[part_id]
    out = []
    for name, run, weight in declared:
        out.append(Check(name, run, weight=weight, hints=hints))
    out.append(Check(HIDDEN, reference_check(part_id, hidden=True), weight=1, hidden=True,
                     hints=hints))
    return tuple(out)


def parts() -> list[Part]:
    R = reference_check
    declared = {
        "exponential_decay": (
            (T("matches Keras ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5) (the "
               "lecture's example) and the Keras documentation's staircase example",
               "Keras ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5) (강의 예제)와 Keras "
               "문서의 staircase 예제에서 같은 결과"), R("exponential_decay", tag="lecture"), 3),
            (T("matches Keras with staircase=True", "staircase=True일 때 Keras와 같은 결과"),
             R("exponential_decay", tag="staircase"), 2),
            (T("matches Keras on many rates, decay steps and steps (numpy integer steps too)",
               "여러 학습률, decay_steps, step에서 Keras와 같은 결과 (numpy 정수 step 포함)"),
             R("exponential_decay", tag="random"), 2),
            (ERRORS, errors_check("exponential_decay"), 1),
            (T("staircase=True: constant within each period, times decay_rate from one period "
               "to the next", "staircase=True: 한 구간 안에서는 일정하고, 다음 구간마다 "
               "decay_rate가 곱해짐"), exponential_staircase_property(), 1),
            (T("the rate at step 0 is initial_learning_rate, and decay_steps steps later it is "
               "multiplied by decay_rate", "step 0의 학습률은 initial_learning_rate이고, "
               "decay_steps 스텝 뒤에는 decay_rate가 곱해짐"), exponential_ratio_property(), 1),
        ),
        "piecewise_constant": (
            (T("matches Keras PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1]) (the "
               "Keras documentation's example), at and around its boundaries",
               "Keras PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1]) (Keras 문서 "
               "예제)에서 경계와 그 주변까지 같은 결과"), R("piecewise_constant", tag="lecture"), 3),
            (T("matches Keras at every boundary, one step before and one step after it",
               "모든 경계, 그 한 스텝 앞과 한 스텝 뒤에서 Keras와 같은 결과"),
             R("piecewise_constant", tag="boundaries"), 3),
            (T("len(values) != len(boundaries) + 1 raises ValueError, as Keras's constructor "
               "does (counted once valid arguments give rates that change with the step)",
               "len(values) != len(boundaries) + 1이면 Keras의 생성자처럼 ValueError를 냄 "
               "(올바른 인자에서 학습률이 step에 따라 바뀌어야 인정)"),
             errors_check("piecewise_constant"), 1),
            (T("a boundary step belongs to the interval before it; the next step to the next "
               "interval", "경계 스텝은 앞 구간에 속하고, 그다음 스텝은 다음 구간에 속함"),
             piecewise_property(), 1),
        ),
        "inverse_time_decay": (
            (T("matches Keras InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5) (the "
               "lecture's example)", "Keras InverseTimeDecay(0.1, decay_steps=10, "
               "decay_rate=0.5) (강의 예제)와 같은 결과"), R("inverse_time_decay", tag="lecture"), 3),
            (T("matches Keras with staircase=True", "staircase=True일 때 Keras와 같은 결과"),
             R("inverse_time_decay", tag="staircase"), 2),
            (T("matches Keras on many rates, decay steps and steps (numpy integer steps too)",
               "여러 학습률, decay_steps, step에서 Keras와 같은 결과 (numpy 정수 step 포함)"),
             R("inverse_time_decay", tag="random"), 2),
            (ERRORS, errors_check("inverse_time_decay"), 1),
            (T("initial_learning_rate / lr - 1 grows linearly with step / decay_steps (floored "
               "with staircase=True)", "initial_learning_rate / lr - 1이 step / decay_steps에 "
               "비례해 커짐 (staircase=True면 내림한 값)"), inverse_property(), 1),
        ),
        "cosine_decay": (
            (T("matches Keras CosineDecay(0.1, decay_steps=1000) (the lecture's example), "
               "before, at and after decay_steps", "Keras CosineDecay(0.1, decay_steps=1000) "
               "(강의 예제)와 decay_steps 전후에서 같은 결과"), R("cosine_decay", tag="lecture"), 3),
            (T("matches Keras with alpha > 0", "alpha > 0일 때 Keras와 같은 결과"),
             R("cosine_decay", tag="alpha"), 2),
            (T("matches Keras with a linear warmup (warmup_target and warmup_steps)",
               "선형 웜업(warmup_target, warmup_steps)이 있을 때 Keras와 같은 결과"),
             R("cosine_decay", tag="warmup"), 3),
            (T("matches Keras at the edges: warmup_steps=0 with a warmup_target, warmup_steps "
               "without one, steps long after the end",
               "경계 상황에서 Keras와 같은 결과: warmup_target이 있고 warmup_steps=0일 때, "
               "warmup_target 없이 warmup_steps만 있을 때, 끝난 지 오래된 step"),
             R("cosine_decay", tag="edges"), 2),
            (ERRORS, errors_check("cosine_decay"), 1),
            (T("without warmup: from initial_learning_rate down to alpha * "
               "initial_learning_rate, never increasing, halfway at decay_steps / 2",
               "웜업 없이: initial_learning_rate에서 alpha * initial_learning_rate까지 한 번도 "
               "늘지 않고 내려가며, decay_steps / 2에서 중간값"), cosine_decay_property(), 1),
            (T("with warmup: the straight line from initial_learning_rate to warmup_target, "
               "then down to alpha * warmup_target",
               "웜업이 있으면: initial_learning_rate에서 warmup_target까지 직선, 그다음 alpha * "
               "warmup_target까지 감소"), cosine_warmup_property(), 1),
        ),
    }
    titles = {
        "exponential_decay": T("Exponential decay", "지수 감쇠"),
        "piecewise_constant": T("Piecewise constant decay", "구간별 상수 학습률"),
        "inverse_time_decay": T("Inverse time decay", "역시간 감쇠"),
        "cosine_decay": T("Cosine decay with warmup", "웜업이 있는 코사인 감쇠"),
    }
    return [Part(id=pid, title=titles[pid], module="schedules", names=(fn,), points=points,
                 checks=_checks(pid, declared[pid]), probes=PROBES[pid])
            for pid, (fn, _, points) in PARTS.items()]


# -- ignored-argument probes ---------------------------------------------------------------------
#
# One call, then the same call with ONE keyword argument changed: every change alters the
# correct rate. Mistakes that ignore an argument by definition keep their names.

_EXP = {"step": 15, "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
        "staircase": False}
_WARM = {"step": 5, "initial_learning_rate": 0.01, "decay_steps": 100, "alpha": 0.1,
         "warmup_target": 0.1, "warmup_steps": 10}
PROBES = {
    "exponential_decay": (Probe(
        fn="exponential_decay", kwargs=_EXP,
        alternatives={"step": 25, "initial_learning_rate": 0.2, "decay_steps": 20,
                      "decay_rate": 0.25, "staircase": True},
        keeps=("exponential_decay_ignores_staircase", "exponential_decay_always_staircase")),),
    "piecewise_constant": (Probe(
        fn="piecewise_constant_decay",
        kwargs={"step": 15, "boundaries": [10, 20], "values": [1.0, 0.5, 0.1]},
        # every value changes: code that reads only some of them (the last one, say) must
        # not be told it ignores `values`
        alternatives={"step": 5, "boundaries": [16, 20], "values": [0.8, 0.25, 0.05]}),),
    "inverse_time_decay": (Probe(
        fn="inverse_time_decay", kwargs={**_EXP, "decay_rate": 1.0},
        alternatives={"step": 25, "initial_learning_rate": 0.2, "decay_steps": 20,
                      "decay_rate": 0.5, "staircase": True},
        keeps=("inverse_time_decay_ignores_staircase", "inverse_time_decay_always_staircase",
               "inverse_time_decay_ignores_decay_steps")),),
    # the ramp depends on the step, the start, the target and warmup_steps; the decay on
    # decay_steps and alpha (and the step and the target): one probe for each phase. The
    # decay's probe is off the cosine's midpoint (step 60 = 10 + 100 / 2 would be it), where
    # a cosine term without its 0.5 is 1 and the rate would not depend on alpha
    "cosine_decay": (
        Probe(fn="cosine_decay", kwargs=_WARM,
              alternatives={"step": 7, "initial_learning_rate": 0.05, "warmup_target": 0.2,
                            "warmup_steps": 20},
              keeps=("cosine_warmup_from_zero",)),
        Probe(fn="cosine_decay", kwargs={**_WARM, "step": 40, "alpha": 0.2},
              alternatives={"decay_steps": 200, "alpha": 0.5})),
}
