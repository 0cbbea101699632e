# HW3 - regularisation with loops
import numpy as np


def l1_penalty(weights, l1=0.01):
    total = 0.0
    for w in np.asarray(weights).flat:
        total += abs(float(w))
    return l1 * total


def l1_grad(weights, l1=0.01):
    out = np.zeros_like(weights)
    for i in np.ndindex(np.shape(weights)):
        w = weights[i]
        if w > 0:
            out[i] = l1
        elif w < 0:
            out[i] = -l1
        # w == 0: the subgradient Keras uses is 0
    return out


def l2_penalty(weights, l2=0.01):
    total = 0.0
    for w in np.asarray(weights).flat:
        total += float(w) * float(w)
    return l2 * total


def l2_grad(weights, l2=0.01):
    out = np.zeros_like(weights)
    for i in np.ndindex(np.shape(weights)):
        out[i] = 2 * l2 * weights[i]
    return out


def dropout_mask(shape, rate, rng):
    if isinstance(shape, int):
        shape = (shape,)
    mask = np.zeros(shape, dtype=bool)
    for i in np.ndindex(mask.shape):
        mask[i] = rng.random() >= rate
    return mask


def dropout(x, rate, mask, training=False):
    if not training:
        return x.copy()
    out = np.zeros_like(x)
    if rate == 1:
        return out
    mask = np.broadcast_to(mask, x.shape)
    for i in np.ndindex(x.shape):
        if mask[i]:
            out[i] = x[i] / (1 - rate)
    return out
