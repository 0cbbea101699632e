"""Recording the time budgets (part of ``grader record`` and ``grader record --examples``).

The correct solution written with Python loops (the assignment's ``authoring/loops/``: element
by element, the slowest style the student contract accepts) is graded on every check
of every part, public and hidden, with the sandbox timing each request to a student's
function. ``budgets.json`` keeps, per part: ``call``, the longest call; ``unit``, the
longest time per step of a trajectory run in one request (or per epoch of an
early-stopping script); ``total``, the time to grade the part. Each figure is the
smallest of :data:`RUNS` runs (a loaded machine only adds time). :mod:`grader.budgets`
turns them into budgets (a generous multiple, with a floor).
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

RUNS = 2


def loops_of(spec) -> Path:
    """The assignment's correct solution written with loops (its ``authoring/loops/``),
    else its reference solution."""
    loops = Path(spec.folder) / "authoring" / "loops"
    return loops if loops.is_dir() else spec.solutions_dir


def measure(assignment: str = "training", parts=None, folder: Path | None = None) -> dict:
    """``{part id: {"call", "unit", "total"}}`` measured on the solution in ``folder``."""
    from .. import budgets
    from ..assignments import get
    from ..engine import grade
    from ..sandbox import runner

    spec = get(assignment)
    folder = folder or loops_of(spec)
    selected = [p for p in spec.parts if not parts or p.id in parts]
    limits = runner.Limits(call_seconds=120, submission_seconds=3600)
    runs: list = []
    budgets.APPLY[0] = False
    try:
        grade(folder, spec, parts=[p.id for p in selected], hidden=True, limits=limits)  # warm up
        for _ in range(RUNS):
            figures = {}
            for part in selected:
                runner.TIMINGS = timings = []
                started = time.monotonic()
                result = grade(folder, spec, parts=[part.id], hidden=True, limits=limits)
                total = time.monotonic() - started
                runner.TIMINGS = None
                wrong = [c.name for p in result.parts for c in p.checks if not c.passed]
                if wrong:
                    from ..errors import AuthoringError

                    raise AuthoringError(f"the loop solution fails {part.id}: {', '.join(wrong)}")
                mine = [t for t in timings if t[1] == part.module and t[2] in part.names]
                calls = [t[4] for t in mine if t[0] == "call"]
                units = [t[4] / t[3] for t in mine if t[0] != "call"]
                figures[part.id] = {"call": max(calls, default=0.0),
                                    "unit": max(units, default=0.0), "total": total}
            runs.append(figures)
    finally:
        runner.TIMINGS = None
        budgets.APPLY[0] = True
    return {pid: {k: round(min(r[pid][k] for r in runs), 6) for k in ("call", "unit", "total")}
            for pid in runs[0]}


#: A re-measurement within this factor of what is recorded keeps the recorded figures:
#: timings vary from run to run (by an order of magnitude on a loaded machine), and
#: re-recording must not rewrite the file, nor change a budget, for noise.
SAME_SPEED = 3.0
#: Below these, a figure cannot change a budget (the floor of a call, a step's share of
#: a long trajectory, the per-submission slack): they count as equal.
NEGLIGIBLE = {"call": 0.05, "unit": 0.005, "total": 1.0}


def _same_speed(old, new) -> bool:
    if not isinstance(old, dict) or set(old) != set(new):
        return False
    for key, value in new.items():
        if not isinstance(old[key], (int, float)):
            return False
        floor = NEGLIGIBLE.get(key, 0.0)
        lo, hi = sorted((max(float(old[key]), floor), max(float(value), floor)))
        if hi > SAME_SPEED * lo:
            return False
    return True


def record_budgets(assignment: str = "training", parts=None, root=None, log=print) -> Path:
    """Measure (the selected parts; the others keep what was recorded) and write
    ``budgets.json``."""
    from .. import budgets

    path = budgets.path_for(assignment, root)
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))["parts"]
    except (OSError, ValueError, KeyError, TypeError):
        kept = {}
    for pid, new in measure(assignment, parts).items():
        if not _same_speed(kept.get(pid), new):
            kept[pid] = new
    from ..assignments import get

    spec = get(assignment)
    solution = loops_of(spec)
    try:
        solution = solution.relative_to(spec.root).as_posix()
    except ValueError:
        solution = solution.name
    doc = {"meta": {"solution": solution, "python": platform.python_version(),
                    "machine": platform.machine(), "cpus": os.cpu_count(),
                    "multiple": budgets.MULTIPLE, "floor": budgets.FLOOR},
           "parts": dict(sorted(kept.items()))}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    budgets._load.cache_clear()
    for pid, f in sorted(kept.items()):
        log(f"budget of {pid}: loop solution's longest call {f['call'] * 1000:.1f} ms, "
            f"per step {f['unit'] * 1000:.2f} ms, all checks {f['total']:.2f} s")
    log(f"recorded the time budgets -> {path}")
    return path
