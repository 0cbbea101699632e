"""The one lr_schedules module that imports Keras: Keras's own outputs (instructor-only).

* :func:`keras_schedule` / :func:`keras_schedule_values`: a
  ``keras.optimizers.schedules.<X>`` built from a part's keyword arguments and
  called on steps; its float32 result as a Python float.
* :func:`keras_plateau`: Keras's ``keras.callbacks.ReduceLROnPlateau`` driven by
  ``drivers.plateau_script``, the very function that drives the student's class in
  the worker, on the same fake model (``optimizer.learning_rate`` a float stored in
  float32, as Keras's float32 variable stores it). For ``mode="auto"`` on a name
  other than ``loss``, Keras's ``MonitorCallback`` accepts only real compiled metric
  containers (``isinstance(m, CompileMetrics)``), so the adapter gives the fake model
  the ``metrics`` of a tiny compiled Keras model with the payload's metric names, and
  checks that Keras's direction of each is the one the payload declares.

Everything here takes and returns plain data.
"""

from __future__ import annotations

import os
import warnings
from functools import cache

import numpy as np

from grader.errors import AuthoringError

from ..drivers import plateau_script

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

#: part id -> (Keras schedule class, the keyword arguments of the student's function
#: other than ``step``, which are also the class's constructor arguments).
SCHEDULES = {
    "exponential_decay": ("ExponentialDecay",
                          ("initial_learning_rate", "decay_steps", "decay_rate", "staircase")),
    "piecewise_constant": ("PiecewiseConstantDecay", ("boundaries", "values")),
    "inverse_time_decay": ("InverseTimeDecay",
                           ("initial_learning_rate", "decay_steps", "decay_rate", "staircase")),
    "cosine_decay": ("CosineDecay", ("initial_learning_rate", "decay_steps", "alpha",
                                     "warmup_target", "warmup_steps")),
}


class KerasReferenceError(AuthoringError, RuntimeError):
    """Raised by this module: an input Keras's reference cannot be computed on as
    declared (an unknown argument, a metric direction Keras disagrees with)."""


def _keras():
    import keras

    return keras


def versions() -> dict:
    import tensorflow

    return {"tensorflow": tensorflow.__version__, "keras": _keras().__version__}


def keras_schedule_object(part_id: str, kwargs: dict):
    """``keras.optimizers.schedules.<X>(**kwargs)`` for a schedule part (raises what
    Keras's constructor raises, e.g. ValueError for ``decay_steps <= 0``)."""
    name, allowed = SCHEDULES[part_id]
    unknown = set(kwargs) - set(allowed)
    if unknown:
        raise KerasReferenceError(f"{part_id}: unknown arguments {sorted(unknown)}")
    return getattr(_keras().optimizers.schedules, name)(**kwargs)


def keras_schedule_values(part_id: str, kwargs: dict, steps) -> list:
    """Keras's rate at each of ``steps`` (Python ints), as Python floats (its float32
    results, exactly)."""
    schedule = keras_schedule_object(part_id, kwargs)
    return [float(np.asarray(schedule(int(s)))) for s in steps]


def keras_schedule(part_id: str, step: int, **kwargs) -> float:
    """Keras's rate at one step: what the student's function must return."""
    return keras_schedule_values(part_id, kwargs, [step])[0]


# -- ReduceLROnPlateau ----------------------------------------------------------------------

@cache
def compiled_metrics(spec: tuple) -> tuple:
    """``model.metrics`` of a compiled, built Keras model whose compiled metrics have the
    names of ``spec`` (``((name, direction), ...)``). A name Keras knows (``"accuracy"``,
    ``"mae"``...) is compiled as Keras makes it, and its direction must be the declared
    one; another name becomes a metric with that name and the declared direction (none
    when the direction is None)."""
    keras = _keras()
    metrics = []
    for name, direction in spec:
        made = None
        try:
            from keras.src.trainers.compile_utils import get_metric

            made = get_metric(name, y_true=None, y_pred=None)
        except Exception:  # noqa: BLE001 - a name Keras does not know
            made = None
        if made is not None and getattr(made, "name", None) == name:
            known = getattr(made, "_direction", None)
            if known != direction:
                raise KerasReferenceError(f"Keras's metric {name!r} has direction {known!r}, "
                                      f"the payload says {direction!r}")
            metrics.append(name)
            continue
        custom = keras.metrics.MeanMetricWrapper(lambda y_true, y_pred: y_pred, name=name)
        if direction is not None:
            custom._direction = direction
        metrics.append(custom)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", metrics=metrics)
    model.evaluate(np.zeros((2, 1)), np.zeros((2, 1)), verbose=0)   # builds the metrics
    found = [m.name for m in model.metrics for m in getattr(m, "metrics", ())]
    if found != [n for n, _ in spec]:
        raise KerasReferenceError(f"compiled metrics {found} instead of {[n for n, _ in spec]}")
    return tuple(model.metrics)


def keras_plateau_class(payload: dict):
    """``keras.callbacks.ReduceLROnPlateau`` whose model carries real compiled metrics
    with the payload's names (what ``mode="auto"`` needs), as ``model.fit`` would."""
    keras = _keras()
    spec = tuple((m["name"], m.get("direction")) for m in payload.get("metrics") or ())
    real = compiled_metrics(spec) if spec else None

    class KerasReduceLROnPlateau(keras.callbacks.ReduceLROnPlateau):
        def set_model(self, model):
            if real is not None:
                model.metrics = list(real)
            super().set_model(model)

    KerasReduceLROnPlateau.__name__ = "ReduceLROnPlateau"
    return KerasReduceLROnPlateau


def keras_plateau(payload: dict) -> dict:
    """What Keras's callback does on a ``plateau_script`` payload (the driver's result)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # "metric not available" on missing keys
        return plateau_script(keras_plateau_class(payload), payload, None)
