# ruff: noqa  (a deliberately hostile test submission)
"""At import: a double fork into a new session whose grandchild wipes the sandbox's
token from its command line and environment (the marks the cleanup finds it by; the
marker is written over its command line instead, for the test to look for) and
sleeps 60 s, then the worker exits (so the daemon leaves its tree). Under the fallback (as root or as a normal
user) creating a process is refused; under bubblewrap the daemon dies with its box."""
import ctypes
import os
import sys
import time

import numpy as np

MARKER = "__MARKER__"


def _hide():
    # (no /proc: Landlock may refuse it) argv and environ through libc's own pointers
    libc = ctypes.CDLL(None)
    start = ctypes.c_void_p.in_dll(libc, "program_invocation_name").value
    size = sum(len(os.fsencode(a)) + 1 for a in sys.orig_argv)
    env = ctypes.cast(ctypes.c_void_p.in_dll(libc, "environ").value, ctypes.POINTER(ctypes.c_void_p))
    i = 0
    while env[i]:
        ctypes.memset(env[i], 0, len(ctypes.string_at(env[i])))
        i += 1
    ctypes.memset(start, 0, size)
    mark = MARKER.encode()[: size - 1]
    ctypes.memmove(start, mark, len(mark))


def _daemon():
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                _hide()
                time.sleep(60)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


_daemon()
time.sleep(0.5)  # (the daemon hides)
os._exit(0)  # the worker, the daemon's subreaper, goes: the daemon is reparented out of its tree


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    return param + 1000.0, velocity + 1000.0
