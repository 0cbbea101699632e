"""The tools an assignment's recorders share (instructor-only): what a part's recorder
declares (:class:`PartRecorder`), hypothesis examples drawn the same on every run
(:func:`collect`), seeded arrays (:func:`rng_array`) and case ids (:func:`case_id`).

An assignment's ``authoring`` package imports these; ``grader record``
(:mod:`grader.authoring.record`) imports the assignment's recorders. This module
imports nothing of any assignment, so the two never import each other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..sandbox import wire


@dataclass(frozen=True)
class PartRecorder:
    """How to record one part.

    ``cases()`` returns ``[(tags, inputs)]`` (public) and ``hidden_cases()`` the
    instructor-only ones; ``expected(inputs)`` runs TensorFlow; ``variants`` and
    ``mistakes`` run trusted numpy models.
    """

    cases: Callable[[], list]
    hidden_cases: Callable[[], list]
    expected: Callable[[dict], dict]
    variants: Callable[[dict], dict] = lambda inputs: {}
    mistakes: Callable[[dict], dict] = lambda inputs: {}


def collect(strategy, n: int) -> list:
    """``n`` distinct examples drawn from a hypothesis strategy, the same on every run."""
    from hypothesis import HealthCheck, Phase, given, settings

    from ..checking import deterministic_hypothesis

    deterministic_hypothesis()
    out, seen = [], set()

    @settings(derandomize=True, database=None, deadline=None, max_examples=n * 4,
              phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(example):
        key = json.dumps(wire.encode(example), sort_keys=True)
        if key not in seen and len(out) < n:
            seen.add(key)
            out.append(example)

    draw()
    return out


def case_id(inputs) -> str:
    return hashlib.sha256(json.dumps(wire.encode(inputs), sort_keys=True).encode()).hexdigest()[:12]


def rng_array(rng: np.random.Generator, shape, dtype, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape).astype(dtype)
