"""Instructor-only code of the lr_schedules assignment: Keras's own outputs
(``keras_reference``), the catalogue of known student mistakes (``mistakes``) and the
recorded cases (``record_cases``). Never shipped to students and never loaded by the
sandboxed worker. ``grader record`` reads :func:`recorders` and :func:`versions` (see
:func:`grader.authoring.record.authoring_of`).
"""

from __future__ import annotations


def recorders() -> dict:
    from .record_cases import recorders as part_recorders

    return part_recorders()


def versions() -> dict:
    from .keras_reference import versions as keras_versions

    return keras_versions()
