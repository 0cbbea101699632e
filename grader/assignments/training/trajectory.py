"""Reference checks for step functions: run the student's step function along a
recorded case (feeding its own outputs back in, as an optimizer would) and compare
every step with Keras's trajectory.

A case's ``inputs`` are ``{"param", "grads", "state", "hparams", "defaults"}``; its
``expected`` (and each variant and mistake) is ``{"params": [...], "states": [[...]]}``
with one entry per step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.checking import (Lazy, as_array, call_text, example, failed_call, mismatch,
                        relative_deviation, unpack)
from grader.diagnosis import note_candidates
from grader.errors import Failure
from grader.sandbox.runner import CallFailed

RTOL, ATOL = 2e-5, 2e-6              # a careful reviewer's tolerance (see keras-semantics R3)
DIAG_RTOL, DIAG_ATOL = 2e-3, 2e-5    # looser: "this looks like mistake X"


@dataclass(frozen=True)
class StepSpec:
    """The shape of a step function: ``fn(param, grad, *state, [t], **hparams)``."""

    fn: str
    state: tuple[str, ...]
    uses_t: bool = False


def step_args(spec: StepSpec, param, grad, state, k: int, hparams: dict, defaults: bool):
    args = [param, grad, *state] + ([k + 1] if spec.uses_t else [])
    return args, ({} if defaults else dict(hparams))


def batched_steps(ctx, spec: StepSpec, param, grads, state, kwargs: dict):
    """The student's raw outputs along ``grads`` in one request (the worker feeds each
    step's outputs back, see ``drivers.steps``), or None when the batch did not run
    cleanly: the caller then replays the case one call at a time, which reports exactly
    what went wrong. An output that cannot be fed back ends the batch early."""
    grads, state = list(grads), list(state)
    # (a batch that fails is replayed call by call, which shows the call that failed: the
    # batch's own text is never shown, so it is kept short, no arrays formatted)
    value = ctx.drive(spec.fn, "steps", {"param": param, "grads": grads, "state": state,
                                         "kwargs": kwargs, "uses_t": bool(spec.uses_t)},
                      units=len(grads), batched=True,
                      shown=f"`{spec.fn}` along {len(grads)} steps run in one go")
    if not isinstance(value, dict) or value.get("complete") is not True \
            or not isinstance(value.get("outputs"), list):
        return None
    return value["outputs"]


def run_steps(ctx, spec: StepSpec, case, expected):
    """Run the student's function along ``case``; stop at the first step that is not
    close to ``expected``. Returns ``(trajectory, None)`` when every step matched,
    else ``(trajectory_so_far, (step, detail, args, kwargs, got))``."""
    inp = case.inputs
    param = inp["param"]
    dtype = param.dtype
    state = list(inp["state"])
    params, states = [], []
    # All steps in one request when the student's code runs cleanly (None otherwise:
    # then one call per step, which reports exactly where and how it went wrong).
    batch = batched_steps(ctx, spec, param, inp["grads"], state,
                          {} if inp.get("defaults") else dict(inp["hparams"]))
    for k, grad in enumerate(inp["grads"]):
        args, kwargs = step_args(spec, param, grad, state, k, inp["hparams"], inp.get("defaults"))
        where = Lazy(lambda k=k, call=call_text(spec.fn, args, kwargs):
                     f"step {k + 1} of {len(inp['grads'])}: {call}")
        try:
            out = batch[k] if batch is not None and k < len(batch) else ctx.call(
                spec.fn, *args, **kwargs)
        except CallFailed as exc:
            f = failed_call(exc, f"`{spec.fn}`")
            f.message, _, trace = f.message.partition("\n")
            f.example = example(where, error=trace)
            raise f from None
        try:
            new_param, new_state = _outputs(spec, out, param.shape)
        except Failure as f:
            f.example = example(where, got=_short(out))
            raise
        params.append(new_param)
        states.append(new_state)
        detail = _compare_step(spec, new_param, new_state, expected, k)
        if detail:
            if batch is not None:   # the rest of the student's trajectory, already here:
                _rest(spec, batch, k + 1, param.shape, params, states)   # evidence for naming
            return (params, states), (k, detail, where, (new_param, *new_state))
        # The framework stores variables in their dtype: feed the outputs back that way.
        param = new_param.astype(dtype)
        state = [s.astype(dtype) for s in new_state]
    return (params, states), None


def _outputs(spec, out, shape):
    """``(new_param, [new_state, ...])`` of one step's output, as float64 arrays of the
    parameter's shape; Failure for anything else. ``out`` came from the student's process
    (a call's result, or a batch the driver made there): whatever numpy cannot read as
    one array (a ragged tuple...) is a Failure too, never an error of the grader."""
    try:
        out = unpack(out, 1 + len(spec.state), f"`{spec.fn}`")
        return (as_array(out[0], "the new parameter", shape),
                [as_array(o, f"the new {name}", shape) for o, name in zip(out[1:], spec.state)])
    except Failure:
        raise
    except Exception as exc:  # noqa: BLE001 - numpy refusing the student's value
        raise Failure(f"`{spec.fn}` returned something that is not {1 + len(spec.state)} "
                      f"numeric arrays ({type(exc).__name__}: {str(exc)[:200]})") from None


def _rest(spec, batch, start, shape, params, states) -> None:
    """Append the batch's outputs from step ``start`` on while they are valid (no call
    is made: they came with the batch)."""
    for out in batch[start:]:
        try:
            new_param, new_state = _outputs(spec, out, shape)
        except Failure:
            return
        params.append(new_param)
        states.append(new_state)


def _short(value) -> str:
    from grader.checking import fmt
    text = fmt(value)
    return text if len(text) < 400 else text[:400] + "..."


def _compare_step(spec, new_param, new_state, ref, k, rtol=RTOL, atol=ATOL) -> str | None:
    bad = mismatch(new_param, ref["params"][k], rtol, atol)
    if bad:
        return f"new parameter: {bad}"
    for name, got, exp in zip(spec.state, new_state, ref["states"][k]):
        bad = mismatch(got, exp, rtol, atol)
        if bad:
            return f"new {name}: {bad}"
    return None


def reference_check(spec: StepSpec, *, tag=None, hidden=False, textbook_note: str = ""):
    """A check comparing the student's trajectories with Keras's on recorded cases.

    Passes when every case matches Keras (or, where recorded, the accepted textbook
    variant); otherwise fails on the smallest failing case, naming the known mistake
    whose trajectory the student's follows.
    """

    def run(ctx):
        used_variant = False
        cases = ctx.cases(hidden=hidden, tag=tag)
        if not cases:
            raise Failure("no recorded cases for this check")
        for case in cases:
            traj, bad = run_steps(ctx, spec, case, case.expected)
            if bad is None:
                continue
            for variant in case.variants.values():
                traj_v, bad_v = run_steps(ctx, spec, case, variant)
                if bad_v is None:
                    used_variant = True
                    break
            else:
                failure = _diagnosed_failure(ctx, spec, case, traj, bad)
                # every known mistake that reproduces this case and the check's others
                # (the evidence that rules a name out on another check, see diagnosis.py)
                candidates = _narrowed(ctx, spec, cases, case, traj)
                if failure.diagnosis and failure.diagnosis not in candidates:
                    failure.diagnosis = ""     # the check's other cases rule it out
                if not failure.diagnosis and len(candidates) == 1:
                    failure.diagnosis = next(iter(candidates))
                considered = {mistake_id(m) for m in case.mistakes}
                for other in cases:
                    considered &= {mistake_id(m) for m in other.mistakes}
                note_candidates(ctx, failure, candidates, considered)
                raise failure
        if used_variant and textbook_note:
            return textbook_note
        return None

    return run


def _diagnosed_failure(ctx, spec, case, traj, bad) -> Failure:
    k, detail, where, got = bad
    exp = (case.expected["params"][k], *case.expected["states"][k])
    names = ("new_param", *(f"new_{s}" for s in spec.state))
    from grader.checking import fmt
    fmt_tuple = lambda vals: "\n".join(f"{n} = {fmt(v)}" for n, v in zip(names, vals))  # noqa: E731
    diagnosis = closest_mistake(case.inputs["param"], traj, case.mistakes, expected=case.expected)
    msg = f"differs from Keras at step {k + 1} ({detail})"
    if case.tags:
        msg += f" [case {case.id}]"
    return Failure(msg, example=example(where, expected=fmt_tuple(exp), got=fmt_tuple(got)),
                   diagnosis=diagnosis)


def _narrowed(ctx, spec, cases, failing, traj) -> set:
    """The known mistakes that reproduce the failing case AND the check's other cases: a
    mistake stays a candidate while it reproduces the student's trajectory on each of
    them (one that passes included), e.g. when two mistakes coincide on a one-step case.
    Returns the candidates left (named only when exactly one is left)."""
    candidates = set(reproducing_mistakes(failing.inputs["param"], traj, failing.mistakes,
                                          expected=failing.expected))
    if not candidates:
        return candidates
    for case in cases:
        if case is failing:
            continue
        try:
            traj_c, bad = run_steps(ctx, spec, case, case.expected)
        except Failure:
            continue
        candidates &= set(reproducing_mistakes(case.inputs["param"], traj_c, case.mistakes,
                                               expected=case.expected if bad else None))
        if not candidates:
            break
    return candidates


def reproducing_mistakes(param0, traj, mistakes: dict, threshold: float = None,
                         expected=None) -> list[str]:
    """Every known mistake whose recorded trajectory reproduces the student's within
    ``threshold`` (see :func:`closest_mistake`)."""
    threshold = _threshold(param0, traj, NAME_REL if threshold is None else threshold, expected)
    return [m for dev, m in _deviations(param0, traj, mistakes) if dev <= threshold]


def _threshold(param0, traj, threshold, expected):
    """On a failing case (``expected`` given), a mistake explains the student's
    trajectory only if it is much closer to it than Keras's is: a mistake that is
    nearly Keras cannot explain a small difference from Keras."""
    if expected is None:
        return threshold
    ((to_keras, _),) = _deviations(param0, traj, {"": expected})
    return min(threshold, 0.1 * to_keras)


def _displacement_deviation(got, ref, start, dtype) -> float:
    """relative_deviation of the steps ``got - start`` and ``ref - start``, where the
    parameters themselves are stored in ``dtype``: a few units in the last place of the
    parameter are rounding, not a difference (a step of 1e-6 on a float32 parameter of
    size 1 is only known to ~5%)."""
    got = np.asarray(got, np.float64)
    ref = np.asarray(ref, np.float64)
    if got.shape != ref.shape or np.dtype(dtype) == np.float64:
        return relative_deviation(got - start, ref - start)
    d_got, d_ref = got - start, ref - start
    nan_g, nan_r = np.isnan(d_got), np.isnan(d_ref)
    if np.any(nan_g != nan_r):
        return np.inf
    keep = ~nan_g
    if not keep.any():
        return 0.0
    with np.errstate(all="ignore"):
        slack = 2 * np.spacing(np.abs(ref).astype(dtype)).astype(np.float64)
        diff = np.maximum(np.abs(d_got - d_ref) - slack, 0.0)
        dev = np.max(diff[keep]) / (np.max(np.abs(d_ref[keep])) + 1e-12)
    return float(dev) if np.isfinite(dev) else np.inf


#: Forms of one mistake (the textbook and Keras formulas of "t one ahead", say) are
#: recorded as ``<mistake id>__<form>``: they share the mistake's id (and its hint).
FORM_SEPARATOR = "__"


def mistake_id(recorded_name: str) -> str:
    """The id a recorded mistake is named by (its form, if any, dropped)."""
    return recorded_name.split(FORM_SEPARATOR, 1)[0]


def _deviations(param0, traj, mistakes: dict) -> list:
    """``[(deviation, mistake id)]``, best first; a mistake recorded in several forms
    counts by its closest form."""
    best: dict = {}
    for dev, name in _form_deviations(param0, traj, mistakes):
        m = mistake_id(name)
        if m not in best or dev < best[m]:
            best[m] = dev
    return sorted((dev, m) for m, dev in best.items())


def _form_deviations(param0, traj, mistakes: dict) -> list:
    params, states = traj
    start = np.asarray(param0, dtype=np.float64)
    dtype = np.asarray(param0).dtype
    devs = []
    for mistake_id, ref in mistakes.items():
        dev = 0.0
        for i in range(len(params)):
            if i >= len(ref["params"]):
                dev = np.inf
                break
            dev = max(dev, _displacement_deviation(params[i], ref["params"][i], start, dtype))
            for got, exp in zip(states[i], ref["states"][i]):
                dev = max(dev, relative_deviation(got, exp))
        devs.append((dev, mistake_id))
    return sorted(devs)


#: A known mistake is named only when its trajectory reproduces the student's within
#: this relative deviation (issue 11.4: a name must explain the evidence).
NAME_REL = 2e-3


def closest_mistake(param0, traj, mistakes: dict, threshold: float = NAME_REL,
                    expected=None) -> str:
    """The known mistake whose recorded trajectory reproduces the student's (every step
    the student's code returned: each step's displacement from the start and the state
    arrays, relative to their scale, within ``threshold``), or "" when none does, or
    when two do about equally well (the evidence does not tell them apart). With
    ``expected`` (Keras's trajectory), only a mistake much closer to the student's than
    Keras's is counts."""
    threshold = _threshold(param0, traj, threshold, expected)
    devs = [(dev, m) for dev, m in _deviations(param0, traj, mistakes) if dev <= threshold]
    if not devs or (len(devs) > 1 and devs[1][0] <= 10 * devs[0][0] + 1e-9):
        return ""
    return devs[0][1]


def simulate(fn, case_inputs, spec: StepSpec):
    """Run a trusted numpy step function along case inputs (used when recording)."""
    param = case_inputs["param"]
    dtype = param.dtype
    state = list(case_inputs["state"])
    params, states = [], []
    with np.errstate(all="ignore"):
        for k, grad in enumerate(case_inputs["grads"]):
            args, kwargs = step_args(spec, param, grad, state, k, case_inputs["hparams"],
                                     case_inputs.get("defaults"))
            out = fn(*args, **kwargs)
            param = np.asarray(out[0], dtype=dtype)
            state = [np.asarray(s, dtype=dtype) for s in out[1:]]
            params.append(param)
            states.append(state)
    return {"params": params, "states": states}
