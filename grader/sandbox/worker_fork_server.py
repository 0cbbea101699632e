"""The fork server of a shared bubblewrap box (see grader/sandbox/shared_box.py).

The first process of a shared box: it imports numpy once and forks one worker per
submission (and per restart), each of which drops to its own unprivileged user and
becomes an ordinary worker (``worker.serve``) on pipes of its own. Between two
workers it kills every other process of the box and empties its writable places.

Runs inside the box: standalone (standard library only), loaded by path by
``worker.py``; never imported by the grader.
"""

from __future__ import annotations

import json
import os
import select
import sys


def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def run(cfg: dict, serve, describe, preload) -> int:
    """Serve forks of a worker with numpy already imported, one submission at a time.

    Runs as root inside the box (bubblewrap started by root) and never runs student
    code: each forked worker drops to its own unprivileged user before it loads the
    submission, so it cannot signal, trace or read this process. Requests come on a
    Unix socket (``control_fd``): ``fork`` (with the worker's stdin, stdout and stderr
    attached) and ``reset``, which kills every other process in the box and empties
    its writable places; ``exit`` notices report how each forked worker ended.

    ``serve(cfg)`` is what a forked worker runs, ``describe(exc)`` says what went
    wrong in one line, and ``preload()`` loads the rest of the worker's code (before
    any fork: a forked worker then needs no file of the grader's).
    """
    import socket

    libc = _libc()
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: no ptrace, no /proc/<pid>/mem
    ctl = socket.socket(fileno=int(cfg["control_fd"]))
    sys.path += [p for p in cfg.get("libs", ()) if p not in sys.path]
    import numpy.random  # noqa: F401  (what every worker needs, imported once)

    preload()
    me = os.getpid()
    work = cfg["work"]
    exits: dict = {}

    def reap():
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            exits[pid] = os.waitstatus_to_exitcode(status)

    def tell(msg: dict):
        ctl.send(json.dumps(msg).encode())

    tell({"ok": True, "ready": True, "pid": me, "uid": os.getuid()})
    while True:
        ready = select.select([ctl], [], [], 0.05)[0]
        reap()
        for pid in list(exits):
            tell({"exit": pid, "code": exits.pop(pid)})
        if not ready:
            continue
        msg, fds, _flags, _addr = socket.recv_fds(ctl, 1 << 20, 3)
        if not msg:
            return 0
        try:
            req = json.loads(msg)
            if req.get("op") == "fork" and len(fds) == 3:
                pid = os.fork()
                if pid == 0:
                    _forked(ctl, fds, req["cfg"], serve, describe)
                for fd in fds:
                    os.close(fd)
                tell({"ok": True, "pid": pid})
            elif req.get("op") == "reset":
                for fd in fds:
                    os.close(fd)
                why = _reset(me, work, libc, reap, cfg.get("keep") or ())
                for pid in list(exits):
                    tell({"exit": pid, "code": exits.pop(pid)})
                tell({"ok": not why, "why": why})
            else:
                for fd in fds:
                    os.close(fd)
                tell({"ok": False, "why": f"unknown request {str(req)[:100]}"})
        except Exception as exc:  # noqa: BLE001 - said to the grader, which then drops the box
            tell({"ok": False, "why": describe(exc)})


def _forked(ctl, fds, cfg, serve, describe) -> None:
    """In the forked child: become an ordinary worker on the given pipes. Never returns."""
    code = 70
    try:
        ctl.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(3, 1 << 16)
        os.setsid()  # its own session and process group, as a worker started afresh
        import numpy.random

        numpy.random.seed()  # the global generator of a fresh process, not the fork server's
        code = serve(cfg)
    except SystemExit as exc:
        if isinstance(exc.code, int):
            code = exc.code
        else:
            os.write(2, f"{exc.code}\n".encode("utf-8", "replace"))
            code = 1
    except BaseException as exc:  # noqa: BLE001
        try:
            os.write(2, f"the worker failed to start: {describe(exc)}\n".encode())
        except OSError:
            pass
    finally:
        os._exit(code)


def _empty(folder: str, keep) -> str:
    """Remove everything in ``folder`` but the folders in ``keep`` (mount points of a
    Python installed under the working folder) and the folders leading to them.
    Returns what failed ("" if nothing)."""
    import shutil

    for entry in os.scandir(folder):
        try:
            if entry.path in keep:
                continue
            if any(k.startswith(entry.path + "/") for k in keep) \
                    and entry.is_dir(follow_symlinks=False):
                why = _empty(entry.path, keep)
                if why:
                    return why
            elif entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except Exception as exc:  # noqa: BLE001 - e.g. RecursionError: a tree nested thousands
            #                       deep; the box is then destroyed whole (shared_box.reset)
            return f"could not remove {entry.path}: {type(exc).__name__}"
    left = [e.path for e in os.scandir(folder)
            if not any(k == e.path or k.startswith(e.path + "/") for k in keep)]
    return f"{folder} is not empty" if left else ""


def _reset(me: int, work: str, libc, reap, keep=()) -> str:
    """Kill every process of the box but its init and this one, then empty the working
    folder (but for ``keep``, see _empty) and remove System V IPC objects. Returns what
    failed ("" if nothing)."""
    import signal
    import time

    deadline = time.monotonic() + 5
    while True:
        try:
            os.kill(-1, signal.SIGKILL)  # every process of the box that this one may signal
        except ProcessLookupError:
            pass
        reap()
        others = []
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in (1, me):
                try:
                    with open(f"/proc/{name}/stat", "rb") as f:
                        raw = f.read()
                except OSError:
                    continue
                if raw[raw.rfind(b")") + 2:][:1] not in (b"Z", b"X"):
                    others.append(int(name))
        if not others:
            break
        if time.monotonic() > deadline:
            return f"processes {others[:5]} survived"
        time.sleep(0.002)
    why = _empty(work, set(keep))
    if why:
        return why
    for kind, remove in (("shm", lambda i: libc.shmctl(i, 0, None)),
                         ("sem", lambda i: libc.semctl(i, 0, 0)),
                         ("msg", lambda i: libc.msgctl(i, 0, None))):
        try:
            with open(f"/proc/sysvipc/{kind}") as f:
                ids = [int(line.split()[1]) for line in f.read().splitlines()[1:] if line.split()]
        except (OSError, ValueError, IndexError):
            return f"could not list System V {kind} objects"
        for i in ids:
            if remove(i) != 0:
                return f"could not remove System V {kind} object {i}"
    return ""
