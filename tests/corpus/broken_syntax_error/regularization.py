"""Assignment 3, part 2: regularisation (float64 everywhere)."""
import numpy as np


def l1_penalty(weights, l1=0.01):
    return float(l1 * np.sum(np.abs(np.asarray(weights, dtype=np.float64))))


def l1_grad(weights, l1=0.01):
    return l1 * np.sign(np.asarray(weights, dtype=np.float64))


def l2_penalty(weights, l2=0.01):
    return float(l2 * np.sum(np.square(np.asarray(weights, dtype=np.float64))))


def l2_grad(weights, l2=0.01)
    return 2.0 * l2 * np.asarray(weights, dtype=np.float64)


def dropout_mask(shape, rate, rng):
    return rng.random(shape) >= rate


def dropout(x, rate, mask, training=False):
    x = np.asarray(x, dtype=np.float64)
    if not training or rate == 0:
        return x
    if rate >= 1:
        return np.zeros_like(x)
    return np.where(mask, x / (1.0 - rate), 0.0)
