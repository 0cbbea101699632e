"""A shared bubblewrap box per grading process: a fork server with numpy imported.

Starting a worker afresh costs a new Python importing numpy, about 0.13 s of CPU:
a quarter of what a whole submission costs in a batch. When the grader runs as
root with bubblewrap, a batch's grading process (see ``share_boxes``) keeps one box
whose first process, the fork server (``worker_fork_server.py``), imports numpy once
and then forks one worker per submission, and per restart after a crash or a
timeout. What keeps consecutive submissions in the same box apart:

* One submission at a time: its files are copied into the box's read-only
  submission folder when its sandbox takes the box, and removed when it gives it
  back. Nothing else of another student is ever in the box.
* Each worker drops to a fresh random unprivileged user before it loads the
  submission. The fork server stays root and never runs student code, so a worker
  can neither signal it, trace it nor read its memory (it is also non-dumpable).
* Before the next worker starts, every process of the box but the fork server and
  bubblewrap's init is killed (seen from outside, by process tree, and from inside,
  by ``kill(-1)`` in the box's PID namespace, which also reaches processes that left
  the tree), the box's tmpfs is emptied and System V IPC objects are removed.
* Each worker gets pipes of its own (passed over a Unix socket), so nothing an
  earlier worker wrote can be read as a later one's reply or output.
* Anything unexpected (a late answer, a process that survives, a failed wipe, the
  fork server gone) destroys the box, and the next worker gets a new one.

Trusted side only; Linux only (pidfd, SCM_RIGHTS).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from .. import tmpdirs
from ..errors import SharedBoxError
from . import isolation, launch

#: Whether this process's sandboxes may share a box (``share_boxes``); off by default.
_STATE = {"on": False, "box": None}
_STATE_LOCK = threading.Lock()
#: Counts for this process: boxes started, workers forked, boxes destroyed on trouble.
STATS = {"boxes": 0, "forks": 0, "destroyed": 0}


def supported() -> bool:
    """Whether a shared box can be used here: Linux, root, bubblewrap, pidfd."""
    return (isolation.LINUX and hasattr(os, "geteuid") and os.geteuid() == 0
            and hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal")
            and hasattr(socket, "send_fds") and bool(isolation.bwrap_executable()))


def share_boxes(on: bool = True) -> None:
    """Let this process's bubblewrap sandboxes share one box (a batch's grading process
    calls this); ``False`` destroys the box. ``$GRADER_SHARED_BOX=0`` keeps it off."""
    with _STATE_LOCK:
        _STATE["on"] = bool(on) and os.environ.get("GRADER_SHARED_BOX", "1") != "0"
        box = None
        if not _STATE["on"]:
            box, _STATE["box"] = _STATE["box"], None
    if box is not None and box.creator == os.getpid():
        box.destroy()


def take(disk_mb: int, start_seconds: float, stage: Path, forbidden: tuple = (),
         private: tuple = ()) -> SharedBox | None:
    """The shared box, holding ``stage`` (a submission's staged copy) for the caller
    until :meth:`SharedBox.give_back`; None when sharing is off, the box is in use, or no
    box can be started (the caller then starts a box of its own)."""
    if not _STATE["on"] or not supported():
        return None
    with _STATE_LOCK:
        box = _STATE["box"]
        if box is not None and (box.creator != os.getpid() or not box.usable()
                                or box.disk_mb != disk_mb or box.forbidden != tuple(forbidden)
                                or box.private != tuple(private)):
            if box.creator == os.getpid():
                box.destroy()
            box = _STATE["box"] = None  # (one inherited through a fork is the parent's)
        if box is None:
            try:
                box = SharedBox(disk_mb, start_seconds, forbidden, private)
            except SharedBoxError:
                return None
            _STATE["box"] = box
            _clean_up_at_exit()
        if box.busy:
            return None
        box.busy = True
    try:
        box.hold(stage)
    except (OSError, SharedBoxError):
        box.destroy()
        return None
    return box


_AT_EXIT: set = set()


def _clean_up_at_exit() -> None:
    """Destroy this process's box when it exits (once per process): at interpreter exit,
    and at the end of a multiprocessing worker, which may leave without running atexit."""
    if os.getpid() in _AT_EXIT:
        return
    _AT_EXIT.add(os.getpid())
    import atexit
    import multiprocessing.util

    atexit.register(_destroy_own)
    multiprocessing.util.Finalize(None, _destroy_own, exitpriority=10)


def _destroy_own() -> None:
    box = _STATE["box"]
    if box is not None and box.creator == os.getpid():
        _STATE["box"] = None
        box.destroy()


def current() -> SharedBox | None:
    """The shared box of this process, if there is one (for tests and benchmarks)."""
    box = _STATE["box"]
    return box if box is not None and box.creator == os.getpid() and box.usable() else None


class SharedBox:
    """One bubblewrap box running the fork server, and its submission folder."""

    def __init__(self, disk_mb: int, start_seconds: float = 30.0, forbidden: tuple = (),
                 private: tuple = ()):
        self.disk_mb = disk_mb
        self.forbidden = tuple(forbidden)  # the packages masked in the box (the assignment's)
        self.private = tuple(private)  # the assignment's folders masked in the box
        self.creator = os.getpid()
        self.busy = False
        self.dirty = False  # a worker was forked since the last reset
        self.broken = ""
        self._destroyed = False
        self.token = launch.new_token()
        self._lock = threading.Lock()
        self._exits: dict = {}
        self._tmp = tmpdirs.mkdtemp("box")  # its owner in its name: see tmpdirs.sweep
        self.folder = self._tmp / "submission"
        self.folder.mkdir(mode=0o755)
        os.chmod(self.folder, 0o755)
        os.chmod(self._tmp, 0o700)
        decoy = isolation.make_decoy(self._tmp / "decoy")
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cfg = {"shared_box": True, "control_fd": theirs.fileno(), "work": isolation.BOX_WORK,
               "libs": [isolation.numpy_site()], "keep": isolation.work_binds()}
        argv = launch.bwrap_command(str(self.folder), cfg, as_root=True, disk_mb=disk_mb,
                                    decoy=decoy, forbidden=self.forbidden, private=self.private)
        self.popen = None
        try:
            self.popen = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                cwd=str(self._tmp), env=launch.clean_env(isolation.BOX_WORK, self.token),
                start_new_session=True, close_fds=True, pass_fds=(theirs.fileno(),))
        except OSError as exc:
            theirs.close()
            self.destroy()
            raise SharedBoxError(f"could not start the shared box: {exc}") from None
        theirs.close()
        self._drain = launch.Drain(self.popen.stderr.fileno(), 16384)
        self._drain.start()
        try:
            hello = self._answer(start_seconds)
            if hello.get("ready") is not True:
                raise SharedBoxError(f"the fork server said {str(hello)[:200]}")
            self.init_pid, self.server_pid = self._find_server()
        except SharedBoxError:
            self.destroy()
            raise
        STATS["boxes"] += 1

    # -- talking to the fork server ----------------------------------------------------
    def _answer(self, timeout: float) -> dict:
        """The fork server's next answer (exit notices on the way are recorded)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._sock], [], [], remaining)[0]:
                raise self._fail("the fork server did not answer")
            try:
                data = self._sock.recv(65536)
            except OSError as exc:
                raise self._fail(f"the fork server's socket failed ({exc})") from None
            if not data:
                raise self._fail("the fork server exited")
            try:
                msg = json.loads(data)
            except ValueError:
                raise self._fail("the fork server sent garbage") from None
            if not isinstance(msg, dict):
                raise self._fail("the fork server sent garbage")
            if "exit" in msg:
                self._exits[msg.get("exit")] = msg.get("code")
                continue
            return msg

    def _pump(self) -> None:
        """Record the exit notices that have arrived (never blocks)."""
        while select.select([self._sock], [], [], 0)[0]:
            try:
                data = self._sock.recv(65536)
                msg = json.loads(data) if data else None
            except (OSError, ValueError):
                msg = None
            if not isinstance(msg, dict) or "exit" not in msg:
                self.broken = self.broken or "the fork server said something unexpected"
                return
            self._exits[msg.get("exit")] = msg.get("code")

    def _fail(self, why: str) -> SharedBoxError:
        self.broken = self.broken or why
        return SharedBoxError(why)

    def _find_server(self) -> tuple[int, int]:
        """Host PIDs of bubblewrap's init in the box and of the fork server."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            table = isolation.proc_table()
            inner = isolation.descendants(self.popen.pid, table)
            init = [p for p in inner if table[p][0] == self.popen.pid]
            server = [p for p in inner if table[p][0] in init]
            if len(init) == 1 and len(server) == 1 and len(inner) == 2:
                return init[0], server[0]
            time.sleep(0.005)
        raise self._fail("could not find the fork server's process")

    def usable(self) -> bool:
        return not self.broken and self.popen is not None and self.popen.poll() is None

    # -- what sandboxes use ---------------------------------------------------------------
    def hold(self, stage: Path) -> None:
        """Put a submission's staged copy in the box's submission folder."""
        self._empty_folder()
        shutil.copytree(stage, self.folder, symlinks=True, dirs_exist_ok=True)

    def give_back(self) -> None:
        """After a sandbox is done: nothing of it stays (or the box is destroyed)."""
        try:
            if self.dirty:
                self.reset()
            self._empty_folder()
        except (OSError, SharedBoxError):
            self.destroy()
        self.busy = False

    def _empty_folder(self) -> None:
        for entry in os.scandir(self.folder):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)

    def fork(self, cfg: dict, timeout: float) -> Forked:
        """A new worker in the box (after every earlier one is gone), on fresh pipes."""
        with self._lock:
            if not self.usable():
                raise self._fail(self.broken or "the shared box is gone")
            self.kill_others()
            if self._strangers():
                raise self._fail("processes of an earlier worker survived")
            self.dirty = True
            ends = [os.pipe() for _ in range(3)]
            theirs = [ends[0][0], ends[1][1], ends[2][1]]
            ours = [ends[0][1], ends[1][0], ends[2][0]]
            try:
                socket.send_fds(self._sock, [json.dumps({"op": "fork", "cfg": cfg}).encode()], theirs)
                answer = self._answer(timeout)
            except OSError as exc:
                for fd in ours:
                    os.close(fd)
                raise self._fail(f"could not reach the fork server ({exc})") from None
            except SharedBoxError:
                for fd in ours:
                    os.close(fd)
                raise
            finally:
                for fd in theirs:
                    os.close(fd)
            inner = answer.get("pid")
            try:
                if answer.get("ok") is not True or not isinstance(inner, int):
                    raise self._fail(f"the fork server could not fork ({str(answer)[:200]})")
                pid = self._host_pid(inner)
                pidfd = os.pidfd_open(pid)
            except (SharedBoxError, OSError) as exc:
                for fd in ours:
                    os.close(fd)
                raise self._fail(f"the forked worker vanished ({exc})") from None
            STATS["forks"] += 1
            return Forked(self, pid, inner, pidfd, *ours)

    def _host_pid(self, inner: int) -> int:
        """The host PID of the fork server's child ``inner`` (a PID in the box)."""
        for pid in _children(self.server_pid):
            raw = isolation._read(f"/proc/{pid}/status", 8192)
            for line in raw.splitlines():
                if line.startswith(b"NSpid:") and int(line.split()[-1]) == inner:
                    return pid
        raise self._fail("the forked worker is not where it should be")

    def _strangers(self) -> list[int]:
        """Live processes of the box other than its init and the fork server."""
        table = isolation.proc_table()
        return [p for p in isolation.descendants(self.popen.pid, table)
                if p not in (self.init_pid, self.server_pid)]

    def kill_others(self) -> None:
        """Kill every process of the box but its init and the fork server (from outside;
        repeated until none is left, which converges even against a fork storm)."""
        for _ in range(200):
            victims = self._strangers()
            if not victims:
                return
            for pid in victims:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.001)

    def reset(self, timeout: float = 15.0) -> None:
        """Kill every worker process (from outside and from inside), empty the box's
        tmpfs and remove its IPC objects; SharedBoxError (box destroyed) if that fails."""
        with self._lock:
            if not self.usable():
                raise self._fail(self.broken or "the shared box is gone")
            self.kill_others()
            try:
                self._sock.send(json.dumps({"op": "reset"}).encode())
            except OSError as exc:
                raise self._fail(f"could not reach the fork server ({exc})") from None
            answer = self._answer(timeout)
            if answer.get("ok") is not True:
                raise self._fail(f"could not clean the shared box ({str(answer.get('why'))[:200]})")
            if self._strangers():
                raise self._fail("processes survived the cleaning of the shared box")
            self.dirty = False

    def exit_code(self, inner: int, timeout: float) -> int | None:
        """How the worker ``inner`` ended, as the fork server saw it (None: not told)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if inner in self._exits:
                    code = self._exits.pop(inner)
                    return code if isinstance(code, int) else None
                if self.broken or not select.select([self._sock], [], [],
                                                    max(0.0, deadline - time.monotonic()))[0]:
                    return None
                self._pump()

    def destroy(self) -> None:
        """Kill the whole box and remove its folders."""
        if self._destroyed:
            return
        self._destroyed = True
        if not self.broken:
            self.broken = "destroyed"
        else:
            STATS["destroyed"] += 1
        popen = self.popen
        if popen is not None:
            isolation.terminate(popen.pid, self.token)
            try:
                popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            isolation.terminate(None, self.token)
            self._drain.join(timeout=5)
            if not self._drain.is_alive():
                popen.stderr.close()
        try:
            self._sock.close()
        except OSError:
            pass
        tmpdirs.remove_tree(self._tmp)  # never raises

    @property
    def output(self) -> str:
        return bytes(self._drain.kept).decode("utf-8", "replace")


def _children(pid: int) -> list[int]:
    raw = isolation._read(f"/proc/{pid}/task/{pid}/children")
    if raw:
        return [int(x) for x in raw.split()]
    return [p for p, (pp, _s) in isolation.proc_table().items() if pp == pid]


class Forked:
    """A worker forked in a shared box, with the parts of ``subprocess.Popen`` the
    sandbox uses. Signalled through a pidfd (never a recycled PID); its exit status
    comes from the fork server, its parent."""

    def __init__(self, box: SharedBox, pid: int, inner: int, pidfd: int, stdin: int, stdout: int,
                 stderr: int):
        self.box, self.pid, self.inner, self._pidfd = box, pid, inner, pidfd
        self.returncode = None
        self.stdin = os.fdopen(stdin, "wb", buffering=0)
        self.stdout = os.fdopen(stdout, "rb", buffering=0)
        self.stderr = os.fdopen(stderr, "rb", buffering=0)
        self.cpu = 0.0  # CPU seconds of it and its reaped children, read before it is killed

    def _ended(self) -> bool:
        return self._pidfd < 0 or bool(select.select([self._pidfd], [], [], 0)[0])

    def poll(self):
        if self.returncode is None and self._ended():
            code = self.box.exit_code(self.inner, 2.0)
            self.returncode = code if code is not None else -signal.SIGKILL
        return self.returncode

    def wait(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("worker", timeout)
            select.select([self._pidfd], [], [], 0.05)
        return self.returncode

    def kill(self) -> None:
        if self._pidfd < 0:
            return
        if not self._ended():
            self.cpu = max(self.cpu, _cpu_seconds(self.pid))
        try:
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        except OSError:
            pass

    def close(self) -> None:
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1


def _cpu_seconds(pid: int) -> float:
    """utime + stime + cutime + cstime of a live process, in seconds (0 if unknown)."""
    raw = isolation._read(f"/proc/{pid}/stat", 1024)
    fields = raw[raw.rfind(b")") + 2:].split()
    try:
        ticks = sum(int(x) for x in fields[11:15])
    except (ValueError, IndexError):
        return 0.0
    return ticks / os.sysconf("SC_CLK_TCK")
