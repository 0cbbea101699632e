# ruff: noqa  (a deliberately hostile test submission)
"""Writes garbage into the worker's reply pipe: a deeply nested JSON message that
would overflow a naive decoder on the grader's side."""
import os
import stat
import struct

import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    body = b"[" * 200000 + b"]" * 200000
    for fd in range(3, 12):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, struct.pack("!I", len(body)) + body)
        except OSError:
            pass
    return param + 1000.0, velocity + 1000.0
