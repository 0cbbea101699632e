# ruff: noqa  (a deliberately hostile test submission)
"""At import: a double fork into a new session whose grandchild drops the sandbox's
token (a shell started with an empty environment, the marker in its command line) and
sleeps, while the worker goes on. Under the fallback (as root or as a normal user)
creating a process is refused; under bubblewrap the daemon dies with its box."""
import ctypes
import os

import numpy as np

MARKER = "__MARKER__"


def _daemon():
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                libc = ctypes.CDLL(None)
                argv = (ctypes.c_char_p * 5)(b"/bin/sh", b"-c", b"sleep 60; true", MARKER.encode(), None)
                envp = (ctypes.c_char_p * 1)(None)  # no token in its environment
                libc.execve(b"/bin/sh", argv, envp)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


_daemon()


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    return param + 1000.0, velocity + 1000.0
