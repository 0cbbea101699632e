# ruff: noqa  (a deliberately hostile test submission)
"""Removes the worker's import blocker, then tries every way to load TensorFlow."""
import importlib
import importlib.util
import sys

import numpy as np

sys.meta_path[:] = [f for f in sys.meta_path if "Blocker" not in type(f).__name__]


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    loaded = []
    for attempt in (lambda: __import__("tensorflow"),
                    lambda: importlib.import_module("tensorflow.python"),
                    lambda: importlib.import_module("keras")):
        try:
            mod = attempt()
            if hasattr(mod, "__version__") or hasattr(mod, "__file__") and mod.__file__:
                loaded.append(mod.__name__)
        except Exception:  # noqa: BLE001
            pass
    if loaded:
        raise RuntimeError("LOADED " + ",".join(loaded))
    import tensorflow  # the last attempt fails with the grader's message
    return param, velocity
