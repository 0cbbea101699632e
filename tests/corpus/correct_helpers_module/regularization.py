"""Regularizers as small callables (like keras.regularizers), plus dropout."""
import numpy as np

from _common import as_float


class _Penalty:
    def __init__(self, coef, power):
        self.coef, self.power = coef, power

    def __call__(self, w):
        w = as_float(w)
        return float(self.coef * np.sum(np.abs(w) ** self.power))

    def gradient(self, w):
        w = as_float(w)
        return self.coef * (np.sign(w) if self.power == 1 else 2 * w)


def l1_penalty(weights, l1=0.01):
    return _Penalty(l1, 1)(weights)


def l1_grad(weights, l1=0.01):
    return _Penalty(l1, 1).gradient(weights)


def l2_penalty(weights, l2=0.01):
    return _Penalty(l2, 2)(weights)


def l2_grad(weights, l2=0.01):
    return _Penalty(l2, 2).gradient(weights)


def dropout_mask(shape, rate, rng):
    return ~(rng.random(size=shape) < rate)


def dropout(x, rate, mask, training=False):
    if not training or rate == 0.0:
        return x
    if rate == 1.0:
        return np.zeros_like(x)
    return np.where(mask, x * (1.0 / (1.0 - rate)), np.zeros((), x.dtype))
