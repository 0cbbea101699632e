"""Pictures for feedback: a failing optimizer's trajectory next to Keras's.

Optional: it needs matplotlib, and returns None when matplotlib is missing or there
is nothing to draw. The figure is built with matplotlib's object API (no pyplot, no
global state), so a batch renderer can call it from any thread.

Two ways to call :func:`trajectory_png`:

* with plain data, ``trajectory_png({"keras": [p1, p2, ...], "yours": [p1, ...],
  "title": "adam"})``, where each ``p`` is the parameter array after that step;
* with a part's result and the submission it came from,
  ``trajectory_png(part_result, submission=path)``: the student's step function is run
  (in the sandboxed worker, like every grading call) along the part's public
  "lecture" case, whose Keras trajectory is in the recorded reference.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

MAX_COORDS = 3


def trajectory_png(data, submission=None, *, assignment=None, dpi: int = 90) -> bytes | None:
    """A PNG comparing the student's parameter trajectory with Keras's, or None.

    Args:
        data: ``{"keras": [...], "yours": [...], "title": str}`` (lists of parameter
            arrays, one per step; "yours" may be shorter when the student's code
            failed), or a :class:`~grader.results.PartResult` of an optimizer part.
        submission: with a PartResult, the submission (folder, .ipynb or .zip) to run.
        assignment: the assignment (default: the registered one).
        dpi: resolution of the PNG.
    """
    if not isinstance(data, dict):
        if submission is None:
            return None
        data = trajectories(data.id, submission, assignment=assignment)
        if data is None:
            return None
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    keras = [np.asarray(p, dtype=np.float64).ravel() for p in data.get("keras", [])]
    yours = [np.asarray(p, dtype=np.float64).ravel() for p in data.get("yours", [])]
    if not keras:
        return None
    fig = Figure(figsize=(9, 3.4))
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    steps = np.arange(1, len(keras) + 1)
    ncoord = min(MAX_COORDS, keras[0].size)
    for i in range(ncoord):
        colour = f"C{i}"
        left.plot(steps, [p[i] for p in keras], "--", color=colour, lw=1.5,
                  label="Keras" if i == 0 else None)
        ok = [p for p in yours if p.shape == keras[0].shape]
        if ok:
            left.plot(steps[:len(ok)], [p[i] for p in ok], "o-", color=colour, ms=3, lw=1,
                      label="yours" if i == 0 else None)
    left.set(xlabel="step", ylabel=f"parameter[:{ncoord}]" if ncoord > 1 else "parameter",
             title="trajectory")
    left.legend(fontsize=8)
    gaps = [float(np.max(np.abs(y - k))) if y.shape == k.shape else np.inf
            for y, k in zip(yours, keras)]
    finite = [g for g in gaps if np.isfinite(g)]
    if finite:
        right.semilogy(steps[:len(gaps)], [max(g, 1e-17) if np.isfinite(g) else np.nan
                                           for g in gaps], "o-", color="C3", ms=3)
    right.set(xlabel="step", ylabel="max |yours - Keras|", title="difference")
    if len(yours) < len(keras):
        right.text(0.02, 0.95, f"your function failed at step {len(yours) + 1}",
                   transform=right.transAxes, va="top", fontsize=8, color="C3")
    fig.suptitle(str(data.get("title", "")), fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def trajectories(part_id: str, submission, *, assignment=None) -> dict | None:
    """Keras's and the student's trajectories on the part's public lecture case, or
    None when the part is not a step-function (optimizer) part."""
    from .assignments import get
    from .loading import open_submission
    from .reference import load_cases
    from .sandbox.runner import CallFailed, Limits, Sandbox
    from .training.optimizers import SPECS
    from .training.trajectory import step_args

    assignment = assignment or get()
    spec = SPECS.get(part_id)
    if spec is None:
        return None
    part = assignment.part(part_id)
    cases = load_cases(assignment.name, part_id, False) or ()
    lecture = [c for c in cases if "lecture" in c.tags] or list(cases)
    if not lecture:
        return None
    case = min(lecture, key=lambda c: (c.size, c.id))
    inp = case.inputs
    yours = []
    try:
        with open_submission(Path(submission), assignment.modules) as (folder, _notes), \
                Sandbox(folder, assignment.modules, Limits(), **assignment.sandbox_options()) as sandbox:
            from .budgets import budgets_of

            sandbox.budgets = budgets_of(assignment, [part], sandbox.limits.call_seconds)
            sandbox.start()
            param, state = inp["param"], list(inp["state"])
            dtype = param.dtype
            for k, grad in enumerate(inp["grads"]):
                args, kwargs = step_args(spec, param, grad, state, k, inp["hparams"],
                                         inp.get("defaults"))
                out = sandbox.call(part.module, spec.fn, *args, **kwargs)
                if not isinstance(out, (tuple, list)) or len(out) != 1 + len(spec.state):
                    break
                new = [np.asarray(o) for o in out]
                if any(o.shape != param.shape or o.dtype.kind not in "biuf" for o in new):
                    break
                yours.append(new[0])
                param, state = new[0].astype(dtype), [s.astype(dtype) for s in new[1:]]
    except CallFailed:
        pass
    except Exception:  # noqa: BLE001 - a picture must never break a report
        return None
    steps = len(inp["grads"])
    title = f"{part_id}: your `{spec.fn}` vs Keras on the lecture's example ({steps} steps)"
    return {"keras": list(case.expected["params"]), "yours": yours, "title": title}
