"""Keras's ``layers.BatchNormalization`` on recorded batch-norm cases (instructor-only).

TensorFlow comes only through :func:`grader.assignments.training.authoring.tf_reference.tf`; keras is
imported inside the functions. Plain numpy in, plain numpy out.
"""

from __future__ import annotations

import numpy as np

from .tf_reference import tf


def _layer(inputs: dict, shape, with_momentum: bool):
    """A built BatchNormalization layer (features on the last axis) in the input's
    dtype, holding the case's gamma, beta and moving statistics."""
    import keras

    tf()  # import TensorFlow through the one adapter before keras loads it
    dtype = np.dtype(inputs["gamma"].dtype).name
    kw = {}
    if not inputs.get("defaults"):
        kw["epsilon"] = inputs["hparams"]["epsilon"]
        if with_momentum:
            kw["momentum"] = inputs["hparams"]["momentum"]
    layer = keras.layers.BatchNormalization(axis=-1, dtype=dtype, **kw)
    layer.build(tuple(shape))
    layer.set_weights([inputs["gamma"], inputs["beta"], inputs["moving_mean"],
                       inputs["moving_variance"]])
    return layer


def batchnorm_train_keras(inputs: dict) -> dict:
    """Call the layer with ``training=True`` on each batch of ``inputs["xs"]`` in turn
    (the moving statistics carry over, as in ``fit``). Returns, after every call, the
    output and both moving statistics."""
    xs = inputs["xs"]
    layer = _layer(inputs, xs[0].shape, with_momentum=True)
    ys, means, variances = [], [], []
    for x in xs:
        ys.append(np.asarray(layer(tf().constant(x), training=True)).copy())
        means.append(layer.moving_mean.numpy().copy())
        variances.append(layer.moving_variance.numpy().copy())
    return {"ys": ys, "moving_means": means, "moving_variances": variances}


def batchnorm_inference_keras(inputs: dict) -> dict:
    """Call the layer with ``training=False`` on ``inputs["x"]``. Returns the output
    (and checks that the moving statistics did not move)."""
    x = inputs["x"]
    layer = _layer(inputs, x.shape, with_momentum=False)
    y = np.asarray(layer(tf().constant(x), training=False)).copy()
    assert np.array_equal(layer.moving_mean.numpy(), inputs["moving_mean"])
    return {"y": y}
