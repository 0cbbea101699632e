"""Naming a mistake in a property check from recorded data (issue 11.4).

A property check calls the student's function on its recorded examples. A known
mistake is named only when it reproduces the student's outputs on EVERY call the
check made (failing and passing examples alike), and only if it is the one mistake
that does. What each mistake returns on each of those calls is recorded once, by the
instructor (:func:`grader.assignments.training.authoring.record_optimizers.record_evidence`, from the
models in ``grader/authoring/``), in ``reference_data/<assignment>/<part>.evidence.json``,
keyed by the call's exact inputs: grading only reads it (the mistakes' code, one token
away from a solution, is never shipped). A call with no recorded outputs proves
nothing, so nothing is named.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

import numpy as np

#: Tolerance of "reproduces": the recorded outputs are exact (float64), this only
#: absorbs float32 rounding; a nearby mistake (a fixed beta_2=0.999 is not "v never
#: updated") is not taken for the student's.
RTOL, ATOL = 1e-4, 1e-6

#: Set by the recorder: every call's (part, fn, args, kwargs) is collected here.
RECORDING: list | None = None


def key(fn: str, args, kwargs) -> str:
    """The exact inputs of a call, as a short stable key."""
    from grader.examples_data import encode

    text = json.dumps(encode([fn, list(args), dict(kwargs)]), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def path_for(assignment: str, part_id: str, root=None):
    from grader.reference import path_for as reference_path

    return reference_path(assignment, part_id, False, root).with_name(f"{part_id}.evidence.json")


@lru_cache(maxsize=64)
def _load(path: str) -> dict:
    from grader.examples_data import decode, read_regular

    try:
        doc = json.loads(read_regular(path).decode("utf-8"))
        return {k: {m: [np.asarray(o, np.float64) for o in decode(outs)]
                    for m, outs in mistakes.items()}
                for k, mistakes in doc["calls"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}          # no evidence recorded here: nothing is named


def recorded(assignment: str, part_id: str) -> dict:
    return _load(str(path_for(assignment, part_id)))


class Evidence:
    """The calls one property check made and what the student's code returned."""

    def __init__(self, assignment: str, part_id: str, fn: str):
        self.assignment, self.part_id, self.fn = assignment, part_id, fn
        self.calls: list = []

    def add(self, args, kwargs, got) -> None:
        k = key(self.fn, args, kwargs)
        self.calls.append((k, [np.asarray(g, np.float64) for g in got]))
        if RECORDING is not None:
            RECORDING.append((self.part_id, self.fn, k, list(args), dict(kwargs)))

    def considered(self) -> set:
        """The known mistakes whose outputs were compared with the student's on every call
        (empty when a call has no recorded outputs, or when the student's outputs are
        the correct ones within reproduction everywhere: then nothing is ruled out)."""
        data = recorded(self.assignment, self.part_id)
        names, differs = None, False
        for k, got in self.calls:
            outputs = data.get(k)
            if outputs is None:
                return set()
            correct = outputs.get(CORRECT)
            differs = differs or correct is None or _error(got, correct) > 1
            here = {mistake_id(m) for m in outputs if m != CORRECT}
            names = here if names is None else names & here
        return (names or set()) if differs else set()

    def candidates(self) -> set:
        """The known mistakes that reproduce every call, each one much more closely than
        the correct output does wherever the student's output is not the correct one.
        Empty when a call has no recorded outputs, or when the student's outputs are
        within the tolerance of reproduction of the correct ones on every call (then no
        mistake can explain the difference)."""
        data = recorded(self.assignment, self.part_id)
        candidates, differs = None, False
        for k, got in self.calls:
            outputs = data.get(k)
            if outputs is None:
                return set()
            correct = outputs.get(CORRECT)
            e_correct = _error(got, correct) if correct is not None else np.inf
            differs = differs or e_correct > 1
            found = set()
            for mistake, want in outputs.items():
                if mistake == CORRECT:
                    continue
                e = _error(got, want)
                if e <= 1 and (e_correct <= 1 or e <= 0.1 * e_correct):
                    found.add(mistake_id(mistake))    # one of its forms
            candidates = found if candidates is None else candidates & found
            if not candidates:
                return set()
        return (candidates or set()) if differs else set()


#: The key of the correct output among a call's recorded outputs.
CORRECT = "__correct__"


def mistake_id(recorded_name: str) -> str:
    """A mistake recorded in several forms (``<id>__<form>``) is named by its id."""
    return recorded_name.split("__", 1)[0] if recorded_name != CORRECT else recorded_name


def _error(got, want) -> float:
    """How far ``got`` is from ``want``, in units of the tolerance of reproduction
    (<= 1: reproduced; NaN matches NaN only)."""
    if len(got) != len(want):
        return np.inf
    worst = 0.0
    with np.errstate(all="ignore"):
        for g, w in zip(got, want):
            if g.shape != w.shape:
                return np.inf
            equal = (g == w) | (np.isnan(g) & np.isnan(w))
            err = np.where(equal, 0.0, np.abs(g - w) / (ATOL + RTOL * np.abs(w)))
            err = np.where(np.isnan(err), np.inf, err)
            if err.size:
                worst = max(worst, float(err.max()))
    return worst
