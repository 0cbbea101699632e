# ruff: noqa  (a deliberately hostile test submission)
"""Makes folders natively in its working folder until it is stopped (at most 10,000
per call, then it waits): a submission must not use up the machine's inodes, nor
cost the grader minutes of cleaning up. Stopped by the watchdog's disk check (the
fallback's working folder, bubblewrap's tmpfs: its size holds bytes, not inodes)."""
import ctypes
import os
import time

import numpy as np

MARKER = "__MARKER__"


def _many(count=10_000):
    libc = ctypes.CDLL(None, use_errno=True)
    base = f"m{os.getpid()}-{time.monotonic_ns()}".encode()
    libc.mkdir(base, 0o700)
    for i in range(count):
        if libc.mkdir(base + b"/" + str(i).encode(), 0o700) != 0:
            break


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    _many()
    time.sleep(1.5)  # the watchdog has time to see it (the call's limit is 2 s)
    return param + 1000.0, velocity + 1000.0
