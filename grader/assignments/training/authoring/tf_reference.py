"""The one module that imports TensorFlow: Keras's outputs for recorded cases.

Everything here takes and returns plain numpy data, so the recorder and the tests
never touch TensorFlow objects directly.
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

_tf = None


def tf():
    """Import TensorFlow once (about 2 s) and return it."""
    global _tf
    if _tf is None:
        import tensorflow

        _tf = tensorflow
    return _tf


def versions() -> dict:
    import keras

    return {"tensorflow": tf().__version__, "keras": keras.__version__}


_OPTIMIZERS = {
    "momentum": ("SGD", {"nesterov": False}, ("momentums",)),
    "nesterov": ("SGD", {"nesterov": True}, ("momentums",)),
    "adagrad": ("Adagrad", {}, ("_accumulators",)),
    "rmsprop": ("RMSprop", {}, ("_velocities",)),
    "adam": ("Adam", {}, ("_momentums", "_velocities")),
    "adamw": ("AdamW", {}, ("_momentums", "_velocities")),
}


def optimizer_trajectory(part_id: str, inputs: dict) -> dict:
    """Run ``keras.optimizers.<X>`` on one variable for ``len(grads)`` steps (eager).

    ``inputs["hparams"]`` are the optimizer's keyword arguments (ignored when
    ``inputs["defaults"]``); ``inputs["state"]`` must be Keras's initial state
    (zeros, or the Adagrad initial accumulator). Returns the parameter and the slot
    variables after every step.
    """
    import keras

    name, fixed, slots = _OPTIMIZERS[part_id]
    hp = {} if inputs.get("defaults") else dict(inputs["hparams"])
    if part_id == "adagrad":
        hp["initial_accumulator_value"] = float(inputs["state"][0].flat[0]) if inputs["state"][0].size else 0.1
    if part_id in ("momentum", "nesterov") and hp.get("momentum") is not None:
        hp["momentum"] = float(hp["momentum"])
    opt = getattr(keras.optimizers, name)(**hp, **fixed)
    param = inputs["param"]
    var = tf().Variable(param)
    opt.build([var])
    params, states = [], []
    for grad in inputs["grads"]:
        opt.apply_gradients([(tf().constant(grad), var)])
        params.append(var.numpy().copy())
        state = []
        for slot in slots:
            values = getattr(opt, slot)
            if values:
                state.append(values[0].numpy().copy())
            else:  # SGD with momentum=0 keeps no slot; its velocity would be 0*m - lr*g
                lr = np.asarray(np.float32(opt.learning_rate.numpy()), dtype=param.dtype)
                state.append(-(grad * lr))
        states.append(state)
    return {"params": params, "states": states}
