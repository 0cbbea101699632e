# ruff: noqa  (a deliberately hostile test submission)
import ctypes

import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    ctypes.string_at(0)  # reads address 0: SIGSEGV
    return param, velocity
