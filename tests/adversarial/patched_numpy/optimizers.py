# ruff: noqa  (a deliberately hostile test submission)
"""Patches numpy (and the worker's encoder) in its own process, hoping the grader
compares with the patched functions."""
import sys

import numpy as np

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.all = lambda *a, **k: True
np.any = lambda *a, **k: False
np.isfinite = lambda a, *r, **k: np.ones(np.shape(a), bool)
for name, mod in list(sys.modules.items()):
    if "wire" in name and hasattr(mod, "encode"):
        real = mod.encode
        mod.encode = lambda obj, _depth=0, real=real: real(obj, _depth)


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    return param + 1000.0, velocity + 1000.0
