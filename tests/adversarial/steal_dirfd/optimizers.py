# ruff: noqa  (a deliberately hostile test submission)
"""Tries to read the reference solution through folder descriptors and symbolic links
(the "open" audit event does not carry dir_fd): /proc/<pid>/root as a folder, "/" as a
folder, a link in its own folder pointing outside, a link made relative to a
descriptor of its own folder, and listing a folder through its descriptor."""
import os

import numpy as np

PROJECT = "__PROJECT__"
TARGET = PROJECT + "/solutions/optimizers.py"


def _read(path, dir_fd=None):
    fd = os.open(path, os.O_RDONLY, dir_fd=dir_fd)
    try:
        return os.read(fd, 10)
    finally:
        os.close(fd)


def _attempts():
    got, refused = [], []
    for base, rel in ((f"/proc/{os.getpid()}", "root" + TARGET), ("/proc/self", "root" + TARGET),
                      ("/proc/1", "root" + TARGET), ("/", TARGET.lstrip("/")),
                      (PROJECT, "solutions/optimizers.py")):
        try:
            fd = os.open(base, os.O_RDONLY)
            try:
                if _read(rel, dir_fd=fd):
                    got.append(f"dir_fd {base}")
            finally:
                os.close(fd)
        except Exception as exc:  # noqa: BLE001
            refused.append(f"{base}: {type(exc).__name__}")
    try:
        os.symlink(PROJECT + "/solutions", "answers")
        if _read("answers/optimizers.py"):
            got.append("symlink")
    except Exception as exc:  # noqa: BLE001
        refused.append(f"symlink: {type(exc).__name__}")
    try:
        os.mkdir("deep")
        fd = os.open("deep", os.O_RDONLY)
        try:
            os.symlink(PROJECT, "p", dir_fd=fd)
            if _read("p/solutions/optimizers.py", dir_fd=fd):
                got.append("symlink at a folder descriptor")
        finally:
            os.close(fd)
    except Exception as exc:  # noqa: BLE001
        refused.append(f"symlink at: {type(exc).__name__}")
    try:
        fd = os.open(PROJECT + "/solutions", os.O_RDONLY)
        try:
            if os.listdir(fd):
                got.append("listing through a descriptor")
        finally:
            os.close(fd)
    except Exception as exc:  # noqa: BLE001
        refused.append(f"listing: {type(exc).__name__}")
    return got, refused


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    got, refused = _attempts()
    if got:
        raise RuntimeError("STOLEN " + "; ".join(got))
    raise RuntimeError(f"NOTHING-STOLEN ({len(refused)} attempts refused)")
