# ruff: noqa  (a deliberately hostile test submission)
"""Leaves processes behind: a double fork into a new session that sleeps, and one
that replaces itself with a shell whose command line carries a marker."""
import ctypes
import os
import time

import numpy as np

MARKER = "__MARKER__"


def _leave_orphans():
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:  # grandchild 1: a Python process, sleeping
            time.sleep(120)
            os._exit(0)
        if os.fork() == 0:  # grandchild 2: a shell, started natively (exec is refused in Python)
            libc = ctypes.CDLL(None)
            argv = (ctypes.c_char_p * 5)(b"/bin/sh", b"-c", b"sleep 120; true", MARKER.encode(), None)
            libc.execv(b"/bin/sh", argv)
            os._exit(1)
        os._exit(0)  # the middle process exits: its children are orphans
    os.waitpid(pid, 0)


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    _leave_orphans()
    return param + 1000.0, velocity + 1000.0
