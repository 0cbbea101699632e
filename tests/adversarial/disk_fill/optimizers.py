# ruff: noqa  (a deliberately hostile test submission)
"""Writes files natively in its working folder (each under the file-size limit, at
most 96 MiB per call, then it waits): past the disk limit it must be stopped
(fallback: the watchdog's disk check) or refused (bubblewrap: its tmpfs is full)."""
import ctypes
import os
import time

import numpy as np

MARKER = "__MARKER__"


def _fill(files=12, mb=4):
    libc = ctypes.CDLL(None, use_errno=True)
    chunk = b"x" * (1 << 20)
    for i in range(files):
        name = f"f{os.getpid()}-{time.monotonic_ns()}-{i}".encode()
        fd = libc.open(name, 0o1 | 0o100, 0o600)  # O_WRONLY | O_CREAT
        if fd < 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        try:
            for _ in range(mb):
                if libc.write(fd, chunk, len(chunk)) != len(chunk):
                    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        finally:
            libc.close(fd)


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    _fill()
    time.sleep(1.5)  # the watchdog has time to see it (the call's limit is 2 s)
    return param + 1000.0, velocity + 1000.0
