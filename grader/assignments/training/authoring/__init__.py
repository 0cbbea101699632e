"""Instructor-only code of the training assignment: how its reference is recorded.

Never shipped to students. ``grader record`` reads :func:`recorders`, :func:`versions`
and :func:`record_derived` (see :func:`grader.authoring.record.authoring_of`).
"""

from __future__ import annotations


def recorders() -> dict:
    from . import record_batchnorm, record_early_stopping, record_optimizers, record_regularization

    recs = {}
    for module in (record_optimizers, record_regularization, record_batchnorm,
                   record_early_stopping):
        recs.update(module.recorders())
    return recs


def versions() -> dict:
    from .tf_reference import versions as tf_versions

    return tf_versions()


def record_derived(assignment, parts, root, log) -> list:
    """The optimizers' mistakes' outputs on every property call, and early stopping's
    outcomes of every property script (both computed by the trusted models)."""
    from . import record_early_stopping, record_optimizers

    written = list(record_optimizers.record_evidence(parts, assignment, root, log))
    if not parts or "early_stopping" in parts:
        written.append(record_early_stopping.record_outcomes(assignment, root, log))
    return written
