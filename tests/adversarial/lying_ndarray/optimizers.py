# ruff: noqa  (a deliberately hostile test submission)
"""Returns an ndarray subclass that claims to equal anything."""
import numpy as np


class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), bool)

    __ne__ = lambda self, other: np.zeros(np.shape(self), bool)
    __sub__ = __rsub__ = lambda self, other: np.zeros(np.shape(self))
    __abs__ = lambda self: np.zeros(np.shape(self))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.shape(self))

    def __array_function__(self, func, types, args, kwargs):
        return True

    def astype(self, *a, **k):
        return self

    def tolist(self):
        return [0.0] * self.size

    def __reduce__(self):
        return (np.zeros, (self.shape,))


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    p = np.asarray(param + 1000.0).view(Liar)
    v = np.asarray(velocity + 1000.0).view(Liar)
    return p, v
