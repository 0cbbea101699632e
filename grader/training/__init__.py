"""The "training techniques" assignment: eleven parts, 100 points.

Each module of this package declares the parts of one student module; this file
only puts them in the order of the contract (``docs/training.md``).
"""

from __future__ import annotations

from pathlib import Path

from ..assignment import Assignment

ORDER = ("momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "l1_l2", "dropout",
         "batchnorm_train", "batchnorm_inference", "early_stopping")


def build() -> Assignment:
    from . import optimizers

    parts = list(optimizers.parts())
    for name in ("regularization", "batchnorm", "early_stopping"):
        try:
            module = __import__(f"{__name__}.{name}", fromlist=["parts"])
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        parts.extend(module.parts())
    parts.sort(key=lambda p: ORDER.index(p.id))
    return Assignment(name="training", title="Training techniques", parts=tuple(parts),
                      root=Path(__file__).resolve().parents[2])
