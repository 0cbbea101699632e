"""The "training techniques" assignment: eleven parts, 100 points.

Each module of this package declares the parts of one student module; this file
puts them in the order of the contract (``docs/training.md``) and declares the
assignment. Instructor-only code (known mistakes as code, the TensorFlow recorders,
the loop solutions that size the time budgets) is in ``authoring/``; the recorded
reference in ``reference/``; the drivers the sandboxed worker runs in ``drivers.py``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from grader.declaration import Assignment

HERE = Path(__file__).resolve().parent

#: Course policy: numpy and the standard library only; these packages are refused (with
#: what to call them in the message), the frameworks the reference comes from first.
FORBIDDEN = {
    "tensorflow": "TensorFlow", "tf_keras": "Keras", "keras": "Keras", "torch": "PyTorch",
    "jax": "JAX", "jaxlib": "JAX", "flax": "JAX", "tensorboard": "TensorFlow",
}

ORDER = ("momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "l1_l2", "dropout",
         "batchnorm_train", "batchnorm_inference", "early_stopping")


def build() -> Assignment:
    from . import batchnorm, early_stopping, optimizers, regularization
    from .notebook import CONCEPTS, INTRO
    from .text import MESSAGES_KO

    parts = [p for m in (optimizers, regularization, batchnorm, early_stopping) for p in m.parts()]
    parts.sort(key=lambda p: ORDER.index(p.id))
    # the lecture's text on each part (notebook.py), unless the part declares its own
    parts = [p if p.concept else replace(p, concept=CONCEPTS.get(p.id)) for p in parts]
    return Assignment(name="training", title="Training techniques", title_ko="학습 기법",
                      parts=tuple(parts), root=HERE.parents[2], folder=HERE,
                      drivers=HERE / "drivers.py", recorders=f"{__name__}.authoring",
                      intro=INTRO, notebook=f"{__name__}.notebook", messages_ko=MESSAGES_KO,
                      forbidden=FORBIDDEN)
