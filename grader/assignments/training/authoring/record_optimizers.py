"""Cases of the six optimizer parts, and the recorded evidence of their property checks.

After ``grader record`` (or ``grader record --examples``) of an optimizer part, run
``python -m grader.assignments.training.authoring.record_optimizers [PART ...]``: it records what every known
mistake returns on every call the part's property checks make
(:func:`record_evidence`); a test fails when that file is stale.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .. import strategies as S
from ..optimizers import LECTURE_HP, SPECS
from ..trajectory import simulate
from . import mistakes_optimizers as M
from grader.authoring.recording import PartRecorder, collect, rng_array



def initial_state(part_id, param, hp):
    z = np.zeros_like(param)
    if part_id == "adagrad":
        return [np.full_like(param, np.float32(hp.get("initial_accumulator_value", 0.1)))]
    return [z, z.copy()] if part_id in ("adam", "adamw") else [z]


def _hparams(part_id):
    lr = st.floats(0.001, 0.3)
    if part_id in ("momentum", "nesterov"):
        return st.fixed_dictionaries({"learning_rate": lr,
                                      "momentum": st.sampled_from([0.0, 0.5, 0.9, 0.99]) | st.floats(0.05, 0.95)})
    if part_id == "adagrad":
        return st.fixed_dictionaries({"learning_rate": lr, "epsilon": st.sampled_from([1e-7, 1e-3, 0.1])})
    if part_id == "rmsprop":
        return st.fixed_dictionaries({"learning_rate": st.floats(0.001, 0.1), "rho": st.floats(0.5, 0.99),
                                      "epsilon": st.sampled_from([1e-7, 1e-4, 1e-2])})
    base = {"learning_rate": st.floats(0.001, 0.1), "beta_1": st.floats(0.5, 0.95),
            "beta_2": st.floats(0.9, 0.999), "epsilon": st.sampled_from([1e-7, 1e-3])}
    if part_id == "adamw":
        base["weight_decay"] = st.sampled_from([0.004, 0.1, 0.5]) | st.floats(0.0, 0.5)
    return st.fixed_dictionaries(base)


@st.composite
def _case(draw, part_id, dtype):
    shape = draw(S.shapes())
    hp = draw(_hparams(part_id))
    steps = draw(st.integers(1, 6))
    param = draw(S.float_arrays(dtype, shape))
    grads = [draw(S.float_arrays(dtype, shape, -3.0, 3.0, away_from_zero=1e-2)) for _ in range(steps)]
    iav = draw(st.sampled_from([0.1, 0.5, 0.0])) if part_id == "adagrad" else None
    state = initial_state(part_id, param, {} if iav is None else {"initial_accumulator_value": iav})
    return {"param": param, "grads": grads, "state": state, "hparams": hp, "defaults": False}


def _fixed(part_id, hp, dtype, shape, steps, seed, defaults=False):
    rng = np.random.default_rng(seed)
    param = rng_array(rng, shape, dtype)
    grads = [rng.normal(size=shape).astype(dtype) for _ in range(steps)]
    return {"param": param, "grads": grads, "state": initial_state(part_id, param, {}),
            "hparams": hp, "defaults": defaults}


def _public(part_id):
    cases = [(("lecture",), _fixed(part_id, LECTURE_HP[part_id], np.float32, (3, 2), 12, 1)),
             (("lecture",), _fixed(part_id, LECTURE_HP[part_id], np.float64, (4,), 12, 2)),
             (("defaults",), _fixed(part_id, {}, np.float32, (5,), 8, 3, defaults=True))]
    cases += [(("float32",), c) for c in collect(_case(part_id, np.float32), 10)]
    cases += [(("float64",), c) for c in collect(_case(part_id, np.float64), 6)]
    # one scalar parameter, so that a solution that breaks on 0-d arrays is caught
    cases.append((("float32",), _fixed(part_id, LECTURE_HP[part_id], np.float32, (), 3, 4)))
    return cases


def _hidden(part_id):
    rng = np.random.default_rng(1000 + list(SPECS).index(part_id))
    cases = []
    hps = collect(_hparams(part_id), 8)
    for i in range(len(hps)):
        dtype = (np.float32, np.float64)[i % 2]
        shape = S.SHAPES[i % len(S.SHAPES)]
        hp = hps[i]
        case = _fixed(part_id, hp, dtype, shape, int(rng.integers(2, 9)), 2000 + i)
        cases.append((("hidden",), case))
    return cases


def recorders():
    from .tf_reference import optimizer_trajectory

    def make(part_id):
        spec = SPECS[part_id]
        textbook = M.TEXTBOOK.get(part_id)
        return PartRecorder(
            cases=lambda: _public(part_id),
            hidden_cases=lambda: _hidden(part_id),
            expected=lambda inputs: optimizer_trajectory(part_id, inputs),
            variants=lambda inputs: {"textbook": simulate(textbook, inputs, spec)} if textbook else {},
            mistakes=lambda inputs: {fn.__name__: simulate(fn, inputs, spec)
                                     for fn in M.MISTAKES[part_id]},
        )

    return {part_id: make(part_id) for part_id in SPECS}


def record_evidence(parts=None, assignment: str = "training", root=None, log=print) -> list:
    """What every known mistake (``optimizer_models``) returns on every call the
    property checks of ``parts`` make on their recorded examples (for each recorded
    budget), written to ``reference_data/<assignment>/<part>.evidence.json``.

    The calls are collected by grading the reference solution (which passes every
    check); grading later reads these outputs to name a mistake (see
    :mod:`grader.assignments.training.evidence`)."""
    import json
    import tempfile
    from pathlib import Path

    from grader import examples_data as ed
    from grader.assignments import get
    from grader.checking import Settings
    from grader.engine import grade
    from .. import evidence
    from . import optimizer_models as models

    spec = get(assignment)
    parts = [p for p in (parts or SPECS) if p in SPECS]
    calls: dict = {p: {} for p in parts}
    evidence.RECORDING = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for f in spec.solutions_dir.glob("*.py"):
                (folder / f.name).write_bytes(f.read_bytes())
            for budget in ed.BUDGETS:
                result = grade(folder, spec, parts=parts, hidden=True,
                               settings=Settings(max_examples=budget))
                bad = [p.id for p in result.parts if not p.full]
                if bad:
                    from grader.errors import AuthoringError

                    raise AuthoringError(f"the solution does not pass {bad}: no evidence recorded")
        for part_id, _fn, k, args, kwargs in evidence.RECORDING:
            if part_id in calls and k not in calls[part_id]:
                outs = dict(models.outputs(part_id, args, kwargs))
                outs[evidence.CORRECT] = models.correct(part_id, args, kwargs)
                calls[part_id][k] = {m: ed.encode(list(o)) for m, o in outs.items()}
    finally:
        evidence.RECORDING = None
    written = []
    for part_id in parts:
        path = evidence.path_for(assignment, part_id, root)
        doc = {"format": 1, "part": part_id, "calls": calls[part_id]}
        path.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")), encoding="utf-8")
        evidence._load.cache_clear()
        log(f"recorded the mistakes' outputs on {len(calls[part_id]):4d} property calls of "
            f"{part_id} -> {path}")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m grader.assignments.training.authoring.record_optimizers [PART ...]
    import sys

    record_evidence(sys.argv[1:] or None)
