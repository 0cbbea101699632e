# Generated from solutions/training/batchnorm.py by `grader stubs`: fill in every `raise NotImplementedError`.
"""Batch normalization: Keras's ``layers.BatchNormalization`` in numpy.

배치 정규화: Keras의 BatchNormalization 층을 numpy로 구현합니다.
(Batch normalization: Keras's BatchNormalization layer, implemented with numpy.)

Features are on the LAST axis (Keras's default ``axis=-1``); the statistics of each
feature are taken over EVERY OTHER axis:

* ``x`` of shape ``(batch, features)``: over axis 0, one mean per feature;
* ``x`` of shape ``(batch, height, width, channels)``: over axes 0, 1 and 2, one mean
  per channel (every pixel of every image of the batch counts).

``gamma``, ``beta``, ``moving_mean`` and ``moving_variance`` have shape
``(features,)``. Functions return NEW arrays and leave their arguments unchanged.
Work in the input's dtype (float32 or float64).
"""

import numpy as np


def batchnorm_train(x, gamma, beta, moving_mean, moving_variance,
                    momentum=0.99, epsilon=1e-3):
    """``keras.layers.BatchNormalization(momentum, epsilon)`` called with ``training=True``.

    Normalise with the statistics of THIS batch, then update the moving statistics
    (which the layer uses later, at inference)::

        mean = mean of x over every axis but the last                  # shape (features,)
        var  = mean of (x - mean) ** 2 over the same axes               # BIASED: divide by N
        y    = (x - mean) / sqrt(var + epsilon) * gamma + beta          # epsilon INSIDE the sqrt
        new_moving_mean     = momentum * moving_mean     + (1 - momentum) * mean
        new_moving_variance = momentum * moving_variance + (1 - momentum) * var

    Keras conventions that change the numbers:

    * the variance is the biased one (``np.var``'s default, ``ddof=0``), in the
      output AND in the moving variance (PyTorch puts the unbiased one in its
      running variance; Keras does not);
    * ``momentum`` weights the OLD moving value (0.99: the moving statistics change
      slowly), not the batch's statistic.

    A batch of one example of shape ``(1, features)`` is allowed: its variance is 0,
    so ``y`` is (almost exactly) ``beta``, as in Keras.

    Args:
        x: the batch, shape ``(N, D)`` or ``(N, H, W, D)``.
        gamma: scale, shape ``(D,)``.
        beta: offset, shape ``(D,)``.
        moving_mean: the moving mean so far, shape ``(D,)`` (Keras starts it at 0).
        moving_variance: the moving variance so far, shape ``(D,)`` (Keras starts it at 1).
        momentum: weight of the old moving statistics (Keras default 0.99).
        epsilon: small constant added to the variance (Keras default 1e-3).

    Returns:
        ``(y, new_moving_mean, new_moving_variance)``: ``y`` has the shape of ``x``,
        the two moving statistics have shape ``(D,)``.
    """
    raise NotImplementedError("batchnorm_train: your code here")


def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    """``keras.layers.BatchNormalization(epsilon=epsilon)`` called with ``training=False``
    (what ``model.predict`` and ``model(x)`` do).

    Normalise with the MOVING statistics learned during training, never with the
    statistics of the batch (so each example's output does not depend on the rest
    of the batch); nothing is updated::

        y = (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta

    Args:
        x: the inputs, shape ``(N, D)`` or ``(N, H, W, D)``.
        gamma, beta: scale and offset, shape ``(D,)``.
        moving_mean, moving_variance: the layer's moving statistics, shape ``(D,)``.
        epsilon: small constant added to the variance, INSIDE the square root
            (Keras default 1e-3).

    Returns:
        ``y``, with the shape of ``x``.
    """
    raise NotImplementedError("batchnorm_inference: your code here")
