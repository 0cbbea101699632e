import numpy as np


def l1_penalty(weights, l1=0.01):
    return l1 * np.sum(np.abs(weights))


def l1_grad(weights, l1=0.01):
    return l1 * np.sign(weights)


def l2_penalty(weights, l2=0.01):
    return l2 * np.sum(weights ** 2)


def l2_grad(weights, l2=0.01):
    return 2 * l2 * weights


def dropout_mask(shape, rate, rng):
    return rng.binomial(1, 1 - rate, size=shape).astype(bool)


def dropout(x, rate, mask, training=False):
    if not training:
        return x
    if rate == 1:
        return np.zeros_like(x)
    return np.where(mask, x * (1 / (1 - rate)), 0).astype(x.dtype)
