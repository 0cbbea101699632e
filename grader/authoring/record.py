"""Recording the TensorFlow reference: ``grader record``.

For every part, a recorder generates the cases (hypothesis, derandomized, plus the
lecture's fixed examples), runs TensorFlow on each, and stores inputs, Keras's
outputs, accepted variants and the outputs of the known mistakes in
``grader/reference_data/<assignment>/<part>[.hidden].json``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..reference import Case, save_cases
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


def recorders() -> dict[str, PartRecorder]:
    from . import record_optimizers

    recs = dict(record_optimizers.recorders())
    for name in ("record_regularization", "record_batchnorm", "record_early_stopping"):
        try:
            module = __import__(f"{__package__}.{name}", fromlist=["recorders"])
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}":
                raise
            continue
        recs.update(module.recorders())
    return recs


def build_cases(rec: PartRecorder, hidden: bool) -> list[Case]:
    cases = []
    for tags, inputs in (rec.hidden_cases() if hidden else rec.cases()):
        expected = rec.expected(inputs)
        cases.append(Case(id=case_id(inputs), tags=tuple(tags), inputs=inputs, expected=expected,
                          variants=rec.variants(inputs), mistakes=rec.mistakes(inputs)))
    return cases


def record(assignment: str = "training", parts=None, root=None, log=print) -> list:
    from .tf_reference import versions

    written = []
    meta = versions()
    for part_id, rec in recorders().items():
        if parts and part_id not in parts:
            continue
        for hidden in (False, True):
            cases = build_cases(rec, hidden)
            path = save_cases(assignment, part_id, hidden, cases, meta, root)
            log(f"recorded {len(cases):3d} {'hidden' if hidden else 'public'} cases of {part_id} -> {path}")
            written.append(path)
    return written


def rng_array(rng: np.random.Generator, shape, dtype, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape).astype(dtype)
