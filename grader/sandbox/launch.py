"""Starting the worker's process: its code files, its command line, its configuration,
its environment, and the thread that drains its stderr.

Shared by the sandbox (:mod:`grader.sandbox.runner`), the bubblewrap probe
(:mod:`grader.sandbox.runner_choice`) and the shared box
(:mod:`grader.sandbox.shared_box`). Trusted side only.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
from pathlib import Path

from . import isolation

_HERE = Path(__file__).parent
#: The worker's entry point.
WORKER = _HERE / "worker.py"
#: The files the worker runs, by name: ``worker.py`` loads the others by path from its
#: own folder (it cannot import the grader package), and bubblewrap binds exactly these
#: into the box (``isolation.BOX_CODE``). A new worker module must be listed here.
CODE_FILES = {name: str(_HERE / name) for name in (
    "worker.py", "wire.py", "worker_policy.py", "worker_confinement.py", "worker_output.py",
    "worker_fork_server.py")}


def new_token() -> str:
    """A marker put in a worker's environment, by which every process it starts is
    found and killed (``isolation.terminate``)."""
    return f"gsbx{os.getpid()}x{secrets.token_hex(6)}"


def box_user() -> list:
    """``[uid, gid]`` of a fresh unprivileged user for a worker in a bubblewrap box
    started by root (it drops to it before it loads the submission)."""
    uid = 120000 + secrets.randbelow(60000)
    return [uid, uid]


def clean_env(home: str, token: str) -> dict:
    """The worker's whole environment (nothing of the grader's is inherited)."""
    env = {
        "PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1", "MPLBACKEND": "Agg", "GRADER_SANDBOX_TOKEN": token,
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # needed on some CPUs (see env notes)
        if key in os.environ:
            env[key] = os.environ[key]
    if os.name == "nt":
        for key in ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC"):
            if key in os.environ:
                env[key] = os.environ[key]
        env["PATH"] = os.environ.get("SYSTEMROOT", "C:\\Windows")
        env["TEMP"] = env["TMP"] = home
    return env


def worker_config(limits, *, token: str, root: str, work: str, drop, no_fork: bool,
                  forbidden: dict, drivers: str, private: tuple = ()) -> dict:
    """The configuration a worker gets on its command line (``worker.serve``):
    ``root`` and ``work`` as the worker sees them, ``drop``: the ``[uid, gid]`` it
    switches to (None: none), ``no_fork``: it refuses to create processes (seccomp)."""
    return {"token": token, "root": root, "work": work, "no_fork": no_fork,
            "libs": [isolation.numpy_site()], "deny": [*isolation.private_dirs(), *private],
            "frameworks": isolation.framework_dirs(tuple(sorted(forbidden))),
            "forbidden": dict(forbidden), "drivers": drivers, "drop": drop,
            "memory_mb": limits.memory_mb, "cpu_seconds": limits.cpu_seconds,
            "file_mb": limits.file_mb, "processes": limits.processes,
            "output_bytes": limits.output_bytes}


def bwrap_command(box: str, cfg: dict, *, as_root: bool, disk_mb: int, decoy: str,
                  forbidden: tuple = (), private: tuple = ()) -> list:
    """The command line of a worker in a bubblewrap box holding the folder ``box``
    (read-only, at ``isolation.BOX_ROOT``)."""
    argv = isolation.bwrap_argv(isolation.bwrap_executable(), box, CODE_FILES, as_root=as_root,
                                disk_mb=disk_mb, decoy=decoy, forbidden=tuple(forbidden),
                                private=tuple(private))
    return argv + ["--", sys.executable, "-I", "-S", f"{isolation.BOX_CODE}/worker.py",
                   json.dumps(cfg)]


def fallback_command(cfg: dict) -> list:
    """The command line of a worker under the fallback runner."""
    return [sys.executable, "-I", "-S", str(WORKER), json.dumps(cfg)]


class Drain(threading.Thread):
    """Reads a worker's stderr so it never blocks; keeps the first bytes only."""

    def __init__(self, fd: int, cap: int):
        super().__init__(daemon=True)
        self.fd, self.cap = fd, cap
        self.kept = bytearray()
        self.dropped = 0

    def run(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536 if len(self.kept) < self.cap else 1 << 20)
            except OSError:
                return
            if not chunk:
                return
            room = self.cap - len(self.kept)
            if room > 0:
                self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - max(room, 0))
