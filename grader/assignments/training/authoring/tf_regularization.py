"""Keras's outputs for the ``l1_l2`` and ``dropout`` cases (TensorFlow via tf_reference).

Plain numpy in, plain numpy out.
"""

from __future__ import annotations

import numpy as np

from .tf_reference import tf


def regularizer_outputs(inputs: dict) -> dict:
    """``keras.regularizers.L1``/``L2`` on ``inputs["weights"]``: both penalties and
    their gradients (``tf.GradientTape``). ``inputs["defaults"]`` builds ``L1()`` and
    ``L2()`` without arguments; otherwise ``L1(inputs["l1"])`` and ``L2(inputs["l2"])``."""
    import keras

    defaults = inputs.get("defaults")
    regs = {"l1": keras.regularizers.L1() if defaults else keras.regularizers.L1(inputs["l1"]),
            "l2": keras.regularizers.L2() if defaults else keras.regularizers.L2(inputs["l2"])}
    out = {}
    for name, reg in regs.items():
        var = tf().Variable(inputs["weights"])
        with tf().GradientTape() as tape:
            penalty = reg(var)
        grad = tape.gradient(penalty, var)
        out[f"{name}_penalty"] = np.asarray(penalty.numpy())
        out[f"{name}_grad"] = np.asarray(grad.numpy())
    return out


def dropout_training(x: np.ndarray, rate: float, seed: int) -> np.ndarray:
    """``keras.layers.Dropout(rate, seed=seed, dtype=x.dtype)(x, training=True)``
    (a fresh layer, so its first mask)."""
    import keras

    layer = keras.layers.Dropout(rate, seed=seed, dtype=x.dtype.name)
    return np.asarray(layer(tf().constant(x), training=True).numpy())


def dropout_inference(x: np.ndarray, rate: float, training=False) -> np.ndarray:
    """The same layer at inference (``training=False``, or not given when None)."""
    import keras

    layer = keras.layers.Dropout(rate, seed=0, dtype=x.dtype.name)
    x = tf().constant(x)
    out = layer(x) if training is None else layer(x, training=training)
    return np.asarray(out.numpy())
