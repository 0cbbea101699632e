"""Drivers of the lr_schedules assignment (standalone: stdlib + numpy only).

The sandboxed worker loads this file by path and runs ``DRIVERS[name](target,
payload, wire)`` on the student's function or class. ``plateau_script`` drives a
``ReduceLROnPlateau``; the recorder runs the same function on Keras's own
``keras.callbacks.ReduceLROnPlateau`` (through a thin adapter, see
``authoring/keras_reference.py``), so both see exactly the same sequence of calls on
the same fake model with the same logs. ``schedule_steps`` calls a schedule function
on many steps in one request.

``schedule_steps`` payload: ``{"kwargs": {...}, "steps": [int, ...], "numpy_steps":
bool}``; result: one plain value per step (a float, an int, None, or
``{"unsupported": type name}``). The student's exceptions propagate.

``plateau_script`` payload (plain data)::

    {"init": {...},                  # keyword arguments of the constructor
     "initial_lr": 0.01,             # the optimizer's rate before the first training
     "metrics": [{"name": "accuracy", "direction": "up"}, ...],   # optional, see below
     "trainings": [[{"val_loss": 0.5, "loss": None}, ...], ...]}  # per training, per epoch

A None value in an epoch's logs means the key is absent that epoch. ``metrics`` are
the model's compiled metrics (what ``mode="auto"`` looks up for a name other than
``loss``); ``direction`` is ``"up"``, ``"down"`` or None (a metric without a known
direction).

Result (plain data)::

    {"trainings": [[{"lr": float, "wait": ..., "cooldown_counter": ..., "best": ...},
                    ...],                        # one record per epoch run
                   ...],                         # one list per training
     "raised": None or {"type": "ValueError", "class": name, "message": text,
                        "stage": "__init__" | "set_model" | "on_train_begin"
                                 | "on_epoch_end" | "on_train_end",
                        "training": t or None, "epoch": e or None}}

``lr`` is the optimizer's rate after ``on_epoch_end``. An attribute that is missing
becomes ``{"missing": True}``, one that is not a number ``{"unsupported": type name}``
(an int beyond 64 bits ``{"unsupported": "int too large"}``); ints stay ints and floats
floats. The rate is recorded the same way: the student's code can reach past the
optimizer's setter. A ``ValueError`` (Keras's way of refusing
``factor >= 1.0`` or an undecidable ``mode="auto"``) ends the script and is reported
in ``raised``; any other exception propagates (the worker reports it with the
student's traceback).
"""

from __future__ import annotations

import copy

import numpy as np

#: The callback protocol ``model.fit`` uses (Keras's ``Callback``).
PROTOCOL = ("set_model", "on_train_begin", "on_epoch_end", "on_train_end")
#: The attributes recorded after each epoch (besides the optimizer's rate).
STATE = ("wait", "cooldown_counter", "best")
_MISSING = object()


def _as_float32(value, what: str) -> float:
    """``value`` rounded to float32 (as a Keras optimizer's float32 variable stores it),
    returned as a Python float; TypeError for anything but one real number."""
    try:
        arr = np.asarray(value)
        ok = arr.shape == () and arr.dtype.kind in "iuf"
    except Exception:  # noqa: BLE001 - a value numpy cannot read is reported below
        ok = False
    if not ok:
        raise TypeError(f"{what} must be a number (a float); got {type(value).__name__}")
    return float(np.float32(arr))


class FakeOptimizer:
    """What a callback sees of Keras's optimizer: ``learning_rate``, a float to read and
    assign. Like Keras's float32 variable, an assigned rate is stored in float32."""

    __slots__ = ("_lr",)

    def __init__(self, learning_rate):
        object.__setattr__(self, "_lr", _as_float32(learning_rate, "the initial learning rate"))

    @property
    def learning_rate(self) -> float:
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        object.__setattr__(self, "_lr", _as_float32(value, "optimizer.learning_rate"))

    def __setattr__(self, name, value):
        if name == "learning_rate":
            object.__setattr__(self, name, value)   # the property's setter
            return
        raise AttributeError(f"the optimizer has no attribute {name!r}: assign the new rate "
                             "to `optimizer.learning_rate` (Keras 3 has no `lr`)")

    def __getattr__(self, name):
        # only reached for names that do not exist (Keras's hasattr(optimizer,
        # "optimizers") must be False)
        raise AttributeError(f"the optimizer has no attribute {name!r}: read the rate from "
                             "`optimizer.learning_rate` (Keras 3 has no `lr`)")


class FakeMetric:
    """A compiled metric as ``MonitorCallback`` looks at it: ``name`` and, when its
    direction is known, ``_direction`` (``"up"`` or ``"down"``)."""

    def __init__(self, name: str, direction):
        self.name = name
        if direction is not None:
            self._direction = direction


class FakeCompileMetrics:
    """Keras's ``CompileMetrics``: the container of the compiled metrics in
    ``model.metrics``."""

    name = "compile_metrics"

    def __init__(self, metrics):
        self.metrics = list(metrics)


class FakeModel:
    """What a callback sees of a model: ``optimizer``, ``metrics``, ``stop_training``."""

    def __init__(self, learning_rate, metrics=()):
        self.optimizer = FakeOptimizer(learning_rate)
        self.metrics = ([FakeCompileMetrics(FakeMetric(m["name"], m.get("direction"))
                                            for m in metrics)] if metrics else [])
        self.stop_training = False


def plain_number(value):
    """One attribute as plain data: None, an int, a float, or a marker dict."""
    if value is _MISSING:
        return {"missing": True}
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return {"unsupported": type(value).__name__}
    if isinstance(value, int) and not -(1 << 63) <= value <= (1 << 64) - 1:
        return {"unsupported": "int too large"}   # (no float or numpy integer holds it)
    try:
        arr = np.asarray(value)
        kind = arr.dtype.kind if arr.ndim == 0 else ""
        if kind in ("i", "u"):
            return int(arr)
        if kind == "f":
            return float(arr)
    except Exception:  # noqa: BLE001, S110 - numpy cannot read it: unsupported below
        pass
    return {"unsupported": str(type(value).__name__)}


def _attr(obj, name):
    try:
        return getattr(obj, name, _MISSING)
    except Exception:  # noqa: BLE001 - a property that raises: the value is missing
        return _MISSING


def _message(exc) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a hostile __str__
        text = ""
    return text if len(text) <= 300 else text[:300] + "..."


def _check_payload(payload) -> None:
    """The payload is trusted data; a malformed one is an authoring error."""
    if not isinstance(payload, dict) or not isinstance(payload.get("init"), dict):
        raise TypeError("plateau_script payload needs an 'init' dict")
    trainings = payload.get("trainings")
    if not isinstance(trainings, (list, tuple)) or not all(
            isinstance(t, (list, tuple)) and all(isinstance(e, dict) for e in t)
            for t in trainings):
        raise TypeError("plateau_script payload needs 'trainings': a list of lists of dicts")


def plateau_script(target, payload, wire=None):
    """Create one callback from ``target(**payload["init"])``, attach one fake model, and
    run one fit loop per entry of ``payload["trainings"]``, reading the optimizer's rate
    and the callback's ``wait``, ``cooldown_counter`` and ``best`` after every epoch.

    As ``model.fit`` does, each training calls ``set_model(model)``, then
    ``on_train_begin(logs={})``, ``on_epoch_end(epoch, logs)`` per epoch (0-based, a new
    dict each time) and ``on_train_end(logs={})``. The model (and so the learning
    rate) carries over from one training to the next.
    """
    _check_payload(payload)
    result = {"trainings": [], "raised": None}
    where = {"stage": "__init__", "training": None, "epoch": None}
    try:
        callback = target(**payload["init"])
        missing = [m for m in PROTOCOL if not callable(_attr(callback, m))]
        if missing:
            raise AttributeError(f"{getattr(target, '__name__', 'the class')} has no method "
                                 f"{', '.join(missing)} (the callback protocol of model.fit: "
                                 f"{', '.join(PROTOCOL)})")
        model = FakeModel(payload.get("initial_lr", 0.01), payload.get("metrics") or ())
        optimizer = model.optimizer
        for t, epochs in enumerate(payload["trainings"]):
            records = []
            result["trainings"].append(records)
            where.update(stage="set_model", training=t, epoch=None)
            callback.set_model(model)
            where["stage"] = "on_train_begin"
            callback.on_train_begin(logs={})
            for epoch, logs in enumerate(epochs):
                where.update(stage="on_epoch_end", epoch=epoch)
                clean = {k: float(v) for k, v in logs.items() if v is not None}
                callback.on_epoch_end(epoch, logs=clean)
                record = {"lr": plain_number(_attr(optimizer, "learning_rate"))}
                for name in STATE:
                    record[name] = plain_number(_attr(callback, name))
                records.append(record)
            where.update(stage="on_train_end", epoch=None)
            callback.on_train_end(logs={})
    except ValueError as exc:
        result["raised"] = {"type": "ValueError", "class": type(exc).__name__,
                            "message": _message(exc), **where}
    return result


def schedule_steps(target, payload, wire=None):
    """``[target(step, **payload["kwargs"]) for step in payload["steps"]]`` as plain
    values (steps as ``numpy.int64`` when ``payload["numpy_steps"]``). Every call gets
    its own copy of the arguments, as separate calls would: the contract lets a
    function change its inputs in place (a list of boundaries, say)."""
    as_numpy = bool(payload.get("numpy_steps"))
    out = []
    for step in payload["steps"]:
        step = np.int64(step) if as_numpy else int(step)
        out.append(plain_number(target(step, **copy.deepcopy(payload["kwargs"]))))
    return out


DRIVERS = {"plateau_script": plateau_script, "schedule_steps": schedule_steps}
