# ruff: noqa  (a deliberately hostile test submission)
"""Stays under the per-process memory limit, but four processes together use far
more than it (at most 4 x 400 MB, all of it touched)."""
import os
import time

import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    for _ in range(3):
        try:
            if os.fork() == 0:
                break
        except OSError:
            break
    hoard = np.ones(400 * 2**20 // 8)  # 400 MB, touched
    time.sleep(30)
    os._exit(0)
