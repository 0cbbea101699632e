"""Keras's own ``callbacks.EarlyStopping`` driven by the grader's fit loop.

The callback sees exactly what a student's class sees in the worker: the same
``run_callback_script`` (``grader/sandbox/drivers.py``), the same fake model and the
same logs. For ``mode="auto"`` on a name that is not a loss, Keras looks the
direction up among the model's compiled metrics (``MonitorCallback._set_monitor_op``),
so the fake model is given the ``metrics`` of a tiny compiled Keras model with a
metric of that name, as ``model.fit`` would.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

from ..drivers import run_callback_script
from ..early_stopping import build_runs, initial_weights, summarize
from .tf_reference import tf


def _base(monitor: str) -> str:
    return monitor[4:] if monitor.startswith("val_") else monitor


@lru_cache(maxsize=None)
def compiled_metrics(name: str) -> tuple:
    """``model.metrics`` of a compiled (and built) Keras model with metric ``name``."""
    tf()
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", metrics=[name])
    model.evaluate(np.zeros((2, 1)), np.zeros((2, 1)), verbose=0)  # builds the metrics
    return tuple(model.metrics)


def keras_callback(init: dict):
    """A ``keras.callbacks.EarlyStopping(**init)`` whose model carries the compiled
    metric that ``mode="auto"`` needs."""
    tf()
    import keras

    monitor = init.get("monitor", "val_loss")
    needs_metric = init.get("mode", "auto") == "auto" and _base(monitor) != "loss"
    metrics = compiled_metrics(_base(monitor)) if needs_metric else None

    class Reference(keras.callbacks.EarlyStopping):
        def set_model(self, model):
            if metrics is not None:
                model.metrics = list(metrics)
            super().set_model(model)

    return Reference(**init)


def keras_early_stopping(inputs: dict) -> dict:
    """Keras's summary (see ``grader.assignments.training.early_stopping.summarize``) on a case."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # "monitored metric not available" on missing keys
        raw = run_callback_script(lambda: keras_callback(inputs["init"]), build_runs(inputs),
                                  initial_weights())
    return summarize(raw)
