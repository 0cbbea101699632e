# ruff: noqa  (a deliberately hostile test submission)
"""A correct submission: graded like any other, next to the hostile ones."""
import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    new_velocity = momentum * velocity - learning_rate * grad
    return param + new_velocity, new_velocity
