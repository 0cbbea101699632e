# ruff: noqa  (a deliberately hostile test submission)
"""Correct, but floods its output: many MB through print and through the file
descriptors directly."""
import os
import sys

import numpy as np

_LINE = "flood " * 100 + "\n"


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    for _ in range(5000):  # 3 MB through print, on every call
        print(_LINE, end="")
    block = b"x" * (1 << 20)
    for _ in range(2):  # 2 MB straight to each descriptor
        os.write(1, block)
        os.write(2, block)
    sys.__stderr__.write(_LINE * 1000)
    new_velocity = momentum * velocity - learning_rate * grad
    return param + new_velocity, new_velocity
