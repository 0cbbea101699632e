# ruff: noqa  (a deliberately hostile test submission)
"""A folder chain 3000 deep in its working folder (natively: mkdir + chdir, then back
with fchdir), deeper than Python's recursion limit and than PATH_MAX: removing it
with a recursive walk fails. The grader must still remove it, and a later run's
sweep must not stumble on it."""
import ctypes
import os

import numpy as np


def _deep(levels=3000):
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open(".", os.O_RDONLY)
    try:
        for _ in range(levels):
            if libc.mkdir(b"d", 0o700) != 0 or libc.chdir(b"d") != 0:
                break
        libc.creat(b"__MARKER__", 0o600)
    finally:
        libc.fchdir(home)
        os.close(home)


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    _deep()
    return param + 1000.0, velocity + 1000.0
