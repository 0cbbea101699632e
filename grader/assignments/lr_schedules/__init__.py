"""The "learning-rate schedules and plateaus" assignment: five parts, 100 points.

The student contract is ``docs/lr_schedules.md``. ``schedules.py`` declares the four
parts of the student module ``schedules.py`` (Keras's ExponentialDecay,
PiecewiseConstantDecay, InverseTimeDecay and CosineDecay) and ``plateau.py`` the
``ReduceLROnPlateau`` part; ``notebook.py`` holds the lecture's text, ``text.py`` the
Korean of the checks' messages. Instructor-only code (Keras's outputs, the known
mistakes as code, the recorders) is in ``authoring/``; the recorded reference in
``reference/``; the drivers the sandboxed worker runs in ``drivers.py``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from grader.declaration import Assignment

HERE = Path(__file__).resolve().parent

#: Course policy: numpy and the standard library only; these packages are refused (with
#: what to call them in the message), Keras's own schedules and callbacks first.
FORBIDDEN = {
    "tensorflow": "TensorFlow", "tf_keras": "Keras", "keras": "Keras", "torch": "PyTorch",
    "jax": "JAX", "jaxlib": "JAX", "flax": "JAX", "tensorboard": "TensorFlow",
    "optax": "Optax",
}

ORDER = ("exponential_decay", "piecewise_constant", "inverse_time_decay", "cosine_decay",
         "reduce_lr_on_plateau")


def build() -> Assignment:
    from . import plateau, schedules
    from .notebook import CONCEPTS, INTRO
    from .text import MESSAGES_KO

    parts = [*schedules.parts(), *plateau.parts()]
    parts.sort(key=lambda p: ORDER.index(p.id))
    parts = [p if p.concept else replace(p, concept=CONCEPTS.get(p.id)) for p in parts]
    return Assignment(name="lr_schedules", title="Learning-rate schedules and plateaus",
                      title_ko="학습률 스케줄과 정체 구간", parts=tuple(parts),
                      root=HERE.parents[2], folder=HERE, drivers=HERE / "drivers.py",
                      recorders=f"{__name__}.authoring", intro=INTRO,
                      notebook=f"{__name__}.notebook", messages_ko=MESSAGES_KO,
                      forbidden=FORBIDDEN)
