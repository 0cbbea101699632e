"""Drivers that exercise stateful student code (standalone: stdlib + numpy only).

The sandboxed worker compiles this module before any student code runs and calls
``DRIVERS[name](target, payload, wire)`` for a check's ``ctx.drive(...)``: ``target``
is the student's function or class, ``payload`` plain data, and what it returns
(plain data) goes back to the grader. The same callback driver runs Keras's own class
on the trusted side when the reference is recorded, so both see exactly the same
sequence of calls.
"""

from __future__ import annotations

import numpy as np


class FakeModel:
    """What a Keras callback sees of a model: get_weights/set_weights/stop_training."""

    def __init__(self, weights):
        self._weights = [np.array(w, copy=True) for w in weights]
        self.stop_training = False

    def get_weights(self):
        return [np.array(w, copy=True) for w in self._weights]

    def set_weights(self, weights):
        weights = list(weights)
        if len(weights) != len(self._weights):
            raise ValueError(f"set_weights got {len(weights)} arrays, expected {len(self._weights)}")
        self._weights = [np.array(w, copy=True) for w in weights]

    def _load(self, weights):
        self._weights = [np.array(w, copy=True) for w in weights]


def fit_loop(callback, model, logs_per_epoch, weights_per_epoch):
    """Keras's epoch loop (``Trainer.fit``) as a callback sees it.

    Before epoch e's ``on_epoch_end`` the model holds ``weights_per_epoch[e]`` (what
    training would have produced); ``logs_per_epoch[e]`` is the logs dict (None
    values are left out: the monitored key is then missing). Stops after the
    epoch in which ``model.stop_training`` became True, like ``fit``.
    Returns the number of epochs run.
    """
    model.stop_training = False
    callback.on_train_begin(logs={})
    epochs_run = 0
    for epoch, (logs, weights) in enumerate(zip(logs_per_epoch, weights_per_epoch)):
        model._load(weights)
        clean = {k: float(v) for k, v in logs.items() if v is not None}
        callback.on_epoch_end(epoch, logs=clean)
        epochs_run = epoch + 1
        if model.stop_training:
            break
    callback.on_train_end(logs={})
    return epochs_run


CALLBACK_ATTRS = ("stopped_epoch", "best", "best_epoch", "wait", "best_weights")


def run_callback_script(make_callback, runs, initial_weights):
    """Create one callback, attach one model, then train once per entry of ``runs``.

    Each run is ``{"logs": [...], "weights": [...]}``. Returns, per run, the epochs
    run, the model's final weights and the callback's public attributes.
    """
    callback = make_callback()
    model = FakeModel(initial_weights)
    callback.set_model(model)
    results = []
    for run in runs:
        epochs_run = fit_loop(callback, model, run["logs"], run["weights"])
        attrs = {}
        for name in CALLBACK_ATTRS:
            value = getattr(callback, name, "__missing__")
            attrs[name] = plain_attr(value)
        results.append({"epochs_run": epochs_run, "final_weights": model.get_weights(),
                        "attrs": attrs})
    return results


def plain_attr(value):
    """Reduce a callback attribute to plain data (arrays, floats, ints, None)."""
    if isinstance(value, str) and value == "__missing__":
        return {"missing": True}
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        try:
            return [np.asarray(v) for v in value]
        except Exception:  # noqa: BLE001 - reported as unsupported below
            return {"unsupported": type(value).__name__}
    try:
        arr = np.asarray(value)
        if arr.dtype.kind in "biuf" and arr.ndim == 0:
            return float(arr)
    except Exception:  # noqa: BLE001
        pass
    return {"unsupported": type(value).__name__}


def steps(fn, payload, wire):
    """Run a step function along ``payload["grads"]``, feeding its outputs back (cast to
    the parameter's dtype): ``fn(param, grad, *state, [t], **kwargs)``, t = 1, 2...

    Only the happy path is batched: at the first exception, or an output that cannot be
    fed back or sent, it stops (``complete`` False after an exception) and the grader
    replays that case one call at a time. Each output is copied through the wire format
    at once, so that later steps cannot change it."""
    param = np.asarray(payload["param"])
    grads = payload["grads"]
    state = list(payload["state"])
    kwargs = dict(payload.get("kwargs") or {})
    uses_t = bool(payload.get("uses_t"))
    dtype, n_out = param.dtype, 1 + len(state)
    outputs = []
    for k, grad in enumerate(grads):
        args = [np.array(param), np.array(grad), *(np.array(a) for a in state)]
        if uses_t:
            args.append(k + 1)
        try:
            out = fn(*args, **dict(kwargs))
            outputs.append(wire.decode(wire.encode(out)))
        except BaseException:  # noqa: BLE001 - replayed call by call by the grader
            return {"outputs": outputs, "complete": False}
        try:
            if not isinstance(out, (tuple, list)) or len(out) != n_out:
                break
            arrays = [np.asarray(o) for o in out]
            if any(a.shape != param.shape or a.dtype.kind not in "biuf" for a in arrays):
                break
            param = arrays[0].astype(dtype)
            state = [a.astype(dtype) for a in arrays[1:]]
        except BaseException:  # noqa: BLE001
            break
    return {"outputs": outputs, "complete": True}


def callback_script(cls, payload, wire):
    """Keras's callback protocol on the student's class (see :func:`run_callback_script`)."""
    init = dict(payload.get("init") or {})
    return run_callback_script(lambda: cls(**init), payload["runs"], payload["initial_weights"])


#: The operations a check may ask the worker for (``ctx.drive(name, "<key>", payload)``).
DRIVERS = {"steps": steps, "callback_script": callback_script}
