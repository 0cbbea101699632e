# ruff: noqa  (a deliberately hostile test submission)
import numpy as np

while True:  # never finishes importing
    pass


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    return param, velocity
