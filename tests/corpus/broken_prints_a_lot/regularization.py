"""Assignment 3, part 2: regularisation (float64 everywhere)."""
import sys
for _i in range(20000):
    print("loading", __name__, _i)

import numpy as np


def l1_penalty(weights, l1=0.01):
    print("DEBUG l1_penalty called with", locals())
    print("DEBUG " + "=" * 300, file=sys.stderr)
    return float(l1 * np.sum(np.abs(np.asarray(weights, dtype=np.float64))))


def l1_grad(weights, l1=0.01):
    print("DEBUG l1_grad called with", locals())
    print("DEBUG " + "=" * 300, file=sys.stderr)
    return l1 * np.sign(np.asarray(weights, dtype=np.float64))


def l2_penalty(weights, l2=0.01):
    print("DEBUG l2_penalty called with", locals())
    print("DEBUG " + "=" * 300, file=sys.stderr)
    return float(l2 * np.sum(np.square(np.asarray(weights, dtype=np.float64))))


def l2_grad(weights, l2=0.01):
    print("DEBUG l2_grad called with", locals())
    print("DEBUG " + "=" * 300, file=sys.stderr)
    return 2.0 * l2 * np.asarray(weights, dtype=np.float64)


def dropout_mask(shape, rate, rng):
    print("DEBUG dropout_mask called with", locals())
    print("DEBUG " + "=" * 300, file=sys.stderr)
    return rng.random(shape) >= rate


def dropout(x, rate, mask, training=False):
    print("DEBUG dropout called with", locals())
    print("DEBUG " + "=" * 300, file=sys.stderr)
    x = np.asarray(x, dtype=np.float64)
    if not training or rate == 0:
        return x
    if rate >= 1:
        return np.zeros_like(x)
    return np.where(mask, x / (1.0 - rate), 0.0)
