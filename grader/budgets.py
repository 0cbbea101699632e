"""Time budgets from evidence: how long a call to a student's function may take.

``grader record`` (see :mod:`grader.authoring.budgets`) times a deliberately slow,
correct solution written with Python loops (the assignment's ``authoring/loops/``, else
its reference solution) on every check of every part and writes the assignment's
``reference/budgets.json`` (``grader/assignments/<name>/reference/budgets.json``, or
``reference/`` in the folder of a package kept outside this repository): per part, the
longest loop call, the longest loop time per unit of a driven request (a step of a
trajectory, an epoch of a callback's run), and the loop solution's time over all the
part's checks. The budgets derived here are a generous multiple of those
(:data:`MULTIPLE`), with a floor (:data:`FLOOR`): a correct solution written with loops
passes on a much slower machine, while a hang is detected in about a second instead of
ten.

A part may override its per-call budget (``Part(call_seconds=...)``). The engine
gives the sandbox one :class:`Budget` per function and sizes the whole submission's
budget from the selected parts (:func:`submission_seconds`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: A correct solution's call may take this many times the loop solution's longest one.
MULTIPLE = 20.0
#: No call's budget is below this (scheduling noise, a loaded machine, a cold cache).
FLOOR = 1.0
#: The whole submission: this many times the loop solution's time over the selected
#: parts, plus one call budget per function (each may hang once), plus this margin
#: for starting the worker and importing the modules.
SUBMISSION_MULTIPLE = 5.0
SUBMISSION_MARGIN = 10.0
#: Applied while grading; the recorder turns it off to time the loop solution freely.
APPLY = [True]


@dataclass(frozen=True)
class Budget:
    """The wall-time budget of one function's requests: ``call`` seconds for one call;
    a trajectory of n steps in one request (or an early-stopping script of n epochs)
    gets ``call + n * unit``, at most ``cap`` (the Limits' ceiling; None: no cap)."""

    call: float
    unit: float = 0.0
    cap: float | None = None

    def of(self, units: int) -> float:
        total = self.call + max(0, units) * self.unit
        return total if self.cap is None else min(self.cap, total)


def path_for(assignment: str, root=None) -> Path:
    from .reference import data_dir

    return data_dir(assignment, root) / "budgets.json"


@lru_cache(maxsize=16)
def _load(path: str) -> dict:
    from .examples_data import read_regular

    try:
        doc = json.loads(read_regular(path, 1024 * 1024).decode("utf-8"))
        parts = doc["parts"]
        if not isinstance(parts, dict):
            raise TypeError("parts is not an object")
        return {str(k): {f: float(v[f]) for f in ("call", "unit", "total")} for k, v in parts.items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}  # not recorded (or unreadable): the Limits' flat budgets apply


def recorded(assignment: str) -> dict:
    """``{part id: {"call", "unit", "total"}}`` as measured on the loop solution (seconds;
    empty when nothing is recorded)."""
    path = path_for(assignment)
    return _load(str(path)) if os.path.lexists(path) else {}


def for_part(assignment: str, part, ceiling: float) -> Budget:
    """The budget of every function of ``part``: the part's own ``call_seconds`` if it
    declares one, else the recorded evidence (at most ``ceiling``, the Limits' flat
    per-call budget, which is also what applies when nothing is recorded)."""
    own = getattr(part, "call_seconds", None)
    if own:
        return Budget(float(own), float(own) / 10)
    measured = recorded(assignment).get(part.id) if APPLY[0] else None
    if not measured:
        return Budget(ceiling, 0.0, ceiling)
    call = min(ceiling, max(FLOOR, MULTIPLE * measured["call"]))
    return Budget(call, MULTIPLE * measured["unit"], ceiling)


def submission_seconds(assignment: str, parts, ceiling: float) -> float:
    """The whole submission's budget for ``parts`` (at most ``ceiling``)."""
    measured = recorded(assignment) if APPLY[0] else {}
    if not measured or any(p.id not in measured for p in parts):
        return ceiling
    total = SUBMISSION_MARGIN
    for p in parts:
        b = for_part(assignment, p, ceiling)
        total += SUBMISSION_MULTIPLE * measured[p.id]["total"] + len(p.names) * b.call
    return min(ceiling, total)


def budgets_of(assignment, parts, ceiling: float) -> dict:
    """``{(module, function name): Budget}`` for the functions of ``parts``."""
    return {(p.module, n): for_part(assignment.name, p, ceiling) for p in parts for n in p.names}
