# ruff: noqa  (a deliberately hostile test submission)
"""Reads the reference solution with native code (libc through ctypes), bypassing
Python's audit hooks: only the operating system's isolation can stop this."""
import ctypes

import numpy as np

PATH = b"__PROJECT__/solutions/optimizers.py"


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.open(PATH, 0)
    if fd >= 0:
        buf = ctypes.create_string_buffer(64)
        n = libc.read(fd, buf, 64)
        libc.close(fd)
        if n > 0:
            raise RuntimeError("STOLEN natively")
    raise RuntimeError(f"NOTHING-STOLEN (errno {ctypes.get_errno()})")
