# ruff: noqa  (a deliberately hostile test submission)
"""Tries to leave something behind for later submissions that outlives its processes
and its files: a key in the kernel's session and user keyrings (add_key), a POSIX
message queue (mq_open), and a FIFO and a device node in its working folder (mknod)."""
import ctypes
import os
import platform

import numpy as np

NUMBERS = {"x86_64": {"add_key": 248, "keyctl": 250}, "aarch64": {"add_key": 217, "keyctl": 219}}


def _leave():
    made = []
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    calls = NUMBERS.get(platform.machine())
    if calls:
        for ring in (-3, -4):  # KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING
            key = libc.syscall(calls["add_key"], b"user", b"__MARKER__", b"SECRET", 6, ring)
            if key >= 0:
                made.append(f"key in keyring {ring}")
                libc.syscall(calls["keyctl"], 3, key)  # KEYCTL_REVOKE: do not really leave it
    if hasattr(libc, "mq_open"):
        libc.mq_open.restype = ctypes.c_int
        q = libc.mq_open(b"/__MARKER__", os.O_CREAT | os.O_RDWR, 0o600, None)
        if q >= 0:
            made.append("message queue")
            libc.mq_unlink(b"/__MARKER__")
    for name, make in (("fifo", lambda: os.mkfifo("__MARKER__-fifo")),
                       ("node", lambda: os.mknod("__MARKER__-node"))):
        try:
            make()
            made.append(name)
        except Exception:  # noqa: BLE001
            pass
    if libc.mknod(b"__MARKER__-fifo2", 0o010600, 0) == 0:  # native code (S_IFIFO)
        made.append("native fifo")
    # System V: a box of its own has its own IPC namespace, a shared box removes them
    # between workers, and the fallback (the machine's namespace) must not create them.
    if "__RUNNER__" == "fallback":
        shm = libc.shmget(0x5EC2E8, 4096, 0o1000 | 0o666)  # IPC_CREAT
        if shm >= 0:
            made.append("System V segment")
            libc.shmctl(shm, 0, None)  # IPC_RMID: do not really leave it
    return made


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    made = _leave()
    if made:
        raise RuntimeError("LEFT " + ", ".join(made))
    raise RuntimeError("NOTHING-LEFT")
