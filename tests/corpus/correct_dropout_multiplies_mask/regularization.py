"""Regularisation; dropout overwrites x in place."""
import numpy as np


def l1_penalty(weights, l1=0.01):
    return l1 * np.abs(weights).sum()


def l1_grad(weights, l1=0.01):
    np.sign(weights, out=weights)
    weights *= l1
    return weights


def l2_penalty(weights, l2=0.01):
    return l2 * (weights * weights).sum()


def l2_grad(weights, l2=0.01):
    weights *= 2 * l2
    return weights


def dropout_mask(shape, rate, rng):
    return rng.uniform(0.0, 1.0, size=shape) < 1.0 - rate


def dropout(x, rate, mask, training=False):
    if training:
        if rate == 1:
            x[...] = 0
        else:
            x *= mask
            x *= 1 / (1 - rate)
    return x
