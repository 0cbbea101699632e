# ruff: noqa  (a deliberately hostile test submission)
import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    hoard = []
    for _ in range(64):  # at most 64 GiB asked for; the address-space limit stops it first
        hoard.append(np.ones(2**27))  # 1 GiB each, touched
    return param, velocity
