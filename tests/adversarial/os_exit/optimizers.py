# ruff: noqa  (a deliberately hostile test submission)
import os

import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    os._exit(3)
