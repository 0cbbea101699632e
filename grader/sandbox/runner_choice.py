"""Choosing the runner of the worker: bubblewrap where it can run, else the fallback.

``$GRADER_SANDBOX`` (or ``Limits.runner``) asks for ``auto``, ``bwrap`` or
``fallback``. Whether bubblewrap can run the worker here is found out once per
process by starting one (:func:`bwrap_status`). :func:`runner_isolated` says whether
a runner gives operating-system isolation here (``grader grade`` refuses to run
without it unless told). Trusted side only.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading

from .. import tmpdirs
from ..errors import SandboxUnavailable
from . import isolation, launch, replies, wire
from .limits import MB, Limits

#: Whether fallback workers restrict themselves with Landlock where the kernel has it
#: (see worker_confinement.landlock); tests turn it off to exercise the other layers alone.
LANDLOCK = True
#: The Landlock ABI from which a fallback worker run by a normal user counts as isolated:
#: 6 adds the scoping of signals and abstract sockets to the files (1) and TCP (4).
LANDLOCK_ISOLATES = 6
#: How long the probe's worker may take to start.
PROBE_SECONDS = 60.0

_PROBE: dict = {}
_PROBE_LOCK = threading.Lock()


def bwrap_status() -> tuple[bool, str]:
    """Whether bubblewrap can run the worker here, and why not (cached per process)."""
    key = (sys.executable, os.geteuid() if hasattr(os, "geteuid") else None)
    with _PROBE_LOCK:
        if key not in _PROBE:
            _PROBE[key] = _probe_bwrap()
        return _PROBE[key]


def _probe_bwrap() -> tuple[bool, str]:
    if not isolation.LINUX:
        return False, f"bubblewrap only exists on Linux (this is {sys.platform})"
    if not isolation.bwrap_executable():
        return False, "bubblewrap is not installed"
    problem = _start_in_bwrap()
    if problem:
        return False, f"bubblewrap is installed but cannot run the worker here ({problem[:200]})"
    return True, ""


def _start_in_bwrap() -> str:
    """Start a worker in a bubblewrap box holding an empty submission, as a sandbox
    would, and wait for its greeting; what went wrong ('' if nothing): the last line
    it wrote on stderr, else why it did not answer."""
    limits = Limits(runner="bwrap", load_seconds=PROBE_SECONDS)
    tmp = tmpdirs.mkdtemp("probe")  # its owner in its name: see tmpdirs.sweep
    popen = drain = None
    token = launch.new_token()
    try:
        box, work = tmp / "submission", tmp / "work"
        box.mkdir(mode=0o755)
        work.mkdir()
        os.chmod(box, 0o755)
        os.chmod(tmp, 0o700)
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        cfg = launch.worker_config(limits, token=token, root=isolation.BOX_ROOT,
                                   work=isolation.BOX_WORK,
                                   drop=launch.box_user() if as_root else None,
                                   no_fork=limits.processes <= 1, forbidden={}, drivers="")
        argv = launch.bwrap_command(str(box), cfg, as_root=as_root, disk_mb=limits.disk_mb,
                                    decoy=isolation.make_decoy(tmp / "decoy"))
        try:
            popen = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=str(work),
                                     env=launch.clean_env(isolation.BOX_WORK, token),
                                     start_new_session=True, close_fds=True)
        except OSError as exc:
            return str(exc)
        drain = launch.Drain(popen.stderr.fileno(), limits.output_bytes)
        drain.start()
        why = _greeted(popen, limits)
        if why:
            _stop(popen, token)
            drain.join(timeout=5)
            said = replies.clean_text(bytes(drain.kept).decode("utf-8", "replace")).strip()
            return (said.splitlines() or [why])[-1]
        return ""
    finally:
        if popen is not None:
            _stop(popen, token)
            for pipe in (popen.stdin, popen.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass
            if drain is not None:
                drain.join(timeout=5)
                if not drain.is_alive():
                    popen.stderr.close()
        tmpdirs.remove_tree(tmp)  # never raises


def _greeted(popen, limits: Limits) -> str:
    """Send the worker ``hello`` and wait for its answer: why it did not come ('' if it did)."""
    try:
        wire.send(popen.stdin.fileno(), {"op": "hello"})
    except OSError:
        pass  # (it exited: said below)
    reader = replies.Reader(popen.stdout.fileno(), limits.reply_mb * MB)
    try:
        kind, value = reader.get(limits.load_seconds)
    except queue.Empty:
        return f"the worker did not answer within {limits.load_seconds:.3g} s"
    if kind == "msg" and isinstance(value, dict):
        return ""
    if kind == "eof":
        try:
            code = popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        return f"the worker exited with status {code}"
    return f"the worker sent an unreadable reply ({value if kind == 'bad' else 'not a message'})"


def _stop(popen, token: str) -> None:
    """Kill the probe's worker and everything it started; wait for them to be gone."""
    isolation.terminate(popen.pid, token)
    try:
        popen.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    isolation.terminate(None, token)


def runner_isolated(mode: str) -> bool:
    """Whether a runner gives operating-system isolation here: bubblewrap; or the
    fallback, when its worker drops to an unprivileged user (root) or confines itself
    with the kernel's Landlock at ABI 6 or later (every fallback worker does where the
    kernel has it: it then cannot open the project, OUT or other submissions, connect
    TCP, or signal the grader; below ABI 6 it could still signal the grader's user's
    processes)."""
    return (mode == "bwrap" or isolation.can_drop_root()
            or (LANDLOCK and isolation.landlock_abi() >= LANDLOCK_ISOLATES))


def choose_runner(limits: Limits) -> tuple[str, str]:
    """``(mode, why)``: ``("bwrap", "")`` or ``("fallback", reason)``;
    :class:`~grader.errors.SandboxUnavailable` when bubblewrap was asked for and cannot
    run here (ValueError: an unknown runner was asked for)."""
    want = isolation.requested_runner(limits.runner)
    if want == "fallback":
        return "fallback", f"the fallback runner was requested (runner=fallback or ${isolation.RUNNER_ENV})"
    ok, why = bwrap_status()
    if ok:
        return "bwrap", ""
    if want == "bwrap":
        raise SandboxUnavailable(why)
    return "fallback", why
