"""The trusted side of the sandbox: a submission's worker, started, talked to, limited
and killed (:class:`Sandbox`).

See ``SECURITY.md`` for the threat model. In short: on Linux with bubblewrap the
worker runs in its own namespaces (``isolation.bwrap_argv``); elsewhere it runs
under the fallback runner (a clean environment, a private working folder and the
worker's own policy). Under both, this side enforces the wall-time limits (per
call and per submission), the caps on output and reply size, the total memory and
the number of processes of the whole process tree, and it kills every process of
the submission when the worker is stopped, including those started in a new
session. Only plain data comes back, and every reply is validated here.

The concepts it builds on live beside it: the limits (:mod:`.limits`), starting the
worker's process (:mod:`.launch`), choosing the runner (:mod:`.runner_choice`),
reading and bounding replies (:mod:`.replies`), the disk check (:mod:`.disk_watch`)
and the shared box (:mod:`.shared_box`). Their public names are re-exported here.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import tmpdirs
from ..errors import CallFailed, SandboxUnavailable, SharedBoxError
from . import isolation, launch, replies, runner_choice, shared_box, wire
from .disk_watch import DiskWatch, held
from .launch import CODE_FILES, WORKER
from .limits import BUDGET_USED_UP, CRASH_TRIES, MB, STOPPED, Limits
from .replies import Reader, Replied, ThreadReader, clean_text
from .runner_choice import bwrap_status, choose_runner, runner_isolated

__all__ = [
    "ALLOW_ROOT_FORKS",
    "BUDGET_USED_UP",
    "CODE_FILES",
    "CRASH_TRIES",
    "FORKED_CPU",
    "KINDS",
    "MB",
    "PLANNED",
    "STOPPED",
    "TIMINGS",
    "WORKER",
    "CallFailed",
    "Limits",
    "Sandbox",
    "SandboxUnavailable",
    "bwrap_status",
    "choose_runner",
    "clean_text",
    "runner_isolated",
]

#: The requests that may be planned (pipelined across submissions, see grader/pipelining.py).
PLANNED = ("call", "drive")
KINDS = ("exception", "timeout", "crash", "forbidden", "unsupported", "protocol")
#: Under the fallback runner (started by root, where RLIMIT_NPROC does not hold, or by a
#: normal user, where nothing would end a daemon), the worker refuses to create
#: processes at all (seccomp). Tests set this to exercise the process-tree cleanup there
#: instead.
ALLOW_ROOT_FORKS = False
#: CPU seconds used by workers forked in a shared box (they are not this process's
#: children, so RUSAGE_CHILDREN does not count them); read before each is killed.
FORKED_CPU = [0.0]
#: When a list, every sandbox appends ``(op, module, name, units, seconds)`` for each
#: request to a student's function (grader.authoring.budgets times the loop solution).
TIMINGS: list | None = None


def _rmtree(path) -> None:
    """Remove a folder the student may have filled (deep, unwritable, many entries):
    bounded in time, never raises (see tmpdirs.remove_tree)."""
    tmpdirs.remove_tree(path)


@dataclass
class _Proc:
    popen: subprocess.Popen
    to_fd: int
    reader: Reader | ThreadReader
    drain: launch.Drain
    stop: threading.Event
    watchdog: threading.Thread | None = None
    nproc: bool = False
    dropped: int = 0
    pending: collections.deque = field(default_factory=collections.deque)  # pipelined requests
    sent: int = 0                     # how many of them are written whole to the worker
    partial: memoryview | None = None  # the rest of those being written
    batch: int = 0                    # how many requests that is


def _alive(popen: subprocess.Popen) -> bool:
    """Whether the process is still running, without reaping it (so its PID stays ours)."""
    if popen.returncode is not None:
        return False
    if isinstance(popen, shared_box.Forked):
        return popen.poll() is None
    if hasattr(os, "waitid") and hasattr(os, "WNOWAIT"):
        try:
            return os.waitid(os.P_PID, popen.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False
    return popen.poll() is None


@dataclass
class Sandbox:
    """One submission's worker process, restarted after a crash or a timeout.

    ``modules`` are imported on every (re)start; ``load_report`` holds what happened.
    ``mode`` is ``"bwrap"`` or ``"fallback"``; ``note`` says, for the report, why the
    fallback was used (empty under bubblewrap).
    """

    root: Path
    modules: tuple
    limits: Limits = field(default_factory=Limits)
    #: The assignment's drivers: the source of its standalone ``drivers`` module ("": none).
    drivers: str = ""
    #: ``{package: what to call it}``: what the assignment forbids submissions to import.
    forbidden: dict = field(default_factory=dict)
    #: Folders of the assignment's the worker must not see (its package, its solutions),
    #: masked like the grader's own code.
    private: tuple = ()

    def __post_init__(self):
        self.root = Path(self.root).resolve()
        self.modules = tuple(self.modules)
        self.proc: _Proc | None = None
        self.load_report: dict | None = None
        self.restarts = 0
        self._no_batch = False  # set after a batched request crashed or timed out
        #: {(module, function name): budgets.Budget}: each function's time budget (set by
        #: the engine from the recorded evidence); others get ``limits.call_seconds``.
        self.budgets: dict = {}
        #: {(module, function name): message}: functions not called again (they hung,
        #: or crashed the worker CRASH_TRIES times), with what their callers are told.
        self.stopped: dict = {}
        self._crashes: dict = {}
        self.timings: list | None = TIMINGS  # (op, module, name, units, seconds) when set
        #: The whole submission's budget (set by the engine, sized to the parts graded);
        #: None: ``limits.submission_seconds``.
        self.submission_seconds: float | None = None
        self._no_pipeline = False  # set after pipelined requests had to be abandoned
        self._recorded: list | None = None
        self._record_open = False
        self._replied = Replied()
        self.token = launch.new_token()
        self._tmp = tmpdirs.mkdtemp("work")  # its owner in its name: see tmpdirs.sweep
        self._work = self._tmp / "work"
        self._work.mkdir()
        self._wipe_work = False  # set when a worker was stopped for its disk use
        self._closed = False
        self._deadline: float | None = None
        self._kill_reason = ""
        self._kept = bytearray()
        self._dropped = 0
        self.mode, self.why = runner_choice.choose_runner(self.limits)
        self._box = self._decoy = None
        self._shared: shared_box.SharedBox | None = None  # the shared box it holds (see shared_box.py)
        self._own_box = False  # set when it cannot use (or lost) the shared box
        self._uid = None  # the fallback's unprivileged user, when started by root
        if self.mode == "bwrap":
            self._box = self._stage()
            self._decoy = isolation.make_decoy(self._tmp / "decoy")
        elif isolation.can_drop_root():
            self._uid = isolation.random_uid()
            self._box = self._stage()
            self._own_work()

    def _own_work(self) -> None:
        """The working folder belongs to the unprivileged worker's user (fallback as root)."""
        if self._uid is not None:
            os.chown(self._work, self._uid, self._uid)
            os.chmod(self._work, 0o700)

    def _empty_work(self) -> None:
        """After a worker was stopped for its disk use: its working folder afresh (what it
        wrote must not stop the next worker too). Bounded in time; never raises."""
        self._wipe_work = False
        try:
            tmpdirs.remove_tree(self._work)
            self._work.mkdir(exist_ok=True)
            self._own_work()
        except OSError:
            pass

    @property
    def note(self) -> str:
        """For the student: which sandbox ran their code, in plain words (the detailed
        reason, with paths, is ``why``, for the instructor)."""
        if self.mode == "bwrap":
            return ""
        if self.why.startswith("the fallback runner was requested"):
            because = "the basic sandbox was chosen for this run"
        else:
            because = "the stronger sandbox (bubblewrap) is not available on this computer"
        return f"Your code ran in the basic sandbox because {because}. It is graded the same."

    @property
    def isolated(self) -> bool:
        """Whether the operating system isolates the student's code (bubblewrap, or the
        fallback started by root, whose worker drops to an unprivileged user)."""
        return self.mode == "bwrap" or self._uid is not None

    def _stage(self) -> Path:
        """A world-readable copy of the submission for the unprivileged worker."""
        box = self._tmp / "submission"
        shutil.copytree(self.root, box, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for dirpath, dirnames, filenames in os.walk(box):
            os.chmod(dirpath, 0o755)
            for name in filenames:
                p = os.path.join(dirpath, name)
                if not os.path.islink(p):
                    os.chmod(p, 0o644)
        os.chmod(self._tmp, 0o700)
        return box

    # -- lifecycle -----------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _config(self, root: str, work: str, drop) -> dict:
        # The fallback refuses to create processes (seccomp), as root (where RLIMIT_NPROC
        # does not hold) and as a normal user (whose RLIMIT_NPROC counts all their
        # processes, and whose daemons would outlive the batch: no namespace ends them).
        no_fork = self.limits.processes <= 1 or (self.mode == "fallback" and not ALLOW_ROOT_FORKS)
        return launch.worker_config(self.limits, token=self.token, root=root, work=work,
                                    drop=drop, no_fork=no_fork, forbidden=self.forbidden,
                                    drivers=self.drivers, private=tuple(self.private))

    def _command(self) -> tuple[list, str, str]:
        """(argv, cwd, home) of the worker for the current mode."""
        if self.mode == "bwrap":
            as_root = hasattr(os, "geteuid") and os.geteuid() == 0
            cfg = self._config(isolation.BOX_ROOT, isolation.BOX_WORK,
                               launch.box_user() if as_root else None)
            argv = launch.bwrap_command(str(self._box), cfg, as_root=as_root,
                                        disk_mb=self.limits.disk_mb, decoy=self._decoy,
                                        forbidden=tuple(sorted(self.forbidden)),
                                        private=tuple(self.private))
            return argv, str(self._work), isolation.BOX_WORK
        if self._uid is not None:
            # Root without bubblewrap: the worker drops to its own unprivileged user before
            # any student code runs, and works on a copy of the submission in this
            # sandbox's private folder (0700, root's), which that user reaches only
            # through descriptors the worker opens before dropping (worker_confinement.open_views).
            cfg = self._config(str(self._box), str(self._work), [self._uid, self._uid])
            cfg["views"] = [str(self._box), str(self._work), *isolation.python_paths()]
        else:
            cfg = self._config(str(self.root), str(self._work), None)
        cfg["landlock"] = runner_choice.LANDLOCK  # the kernel's file-system restriction, where it exists
        cfg["deny_sysv"] = True  # the machine's IPC namespace: nothing would remove them
        cfg["parent"] = os.getpid()  # (bubblewrap's --die-with-parent does this for its own)
        return launch.fallback_command(cfg), str(self._work), str(self._work)

    def _fork_shared(self):
        """A worker forked in the shared box (shared_box.py), or None: no box is shared, or
        it failed (then this sandbox starts boxes of its own from now on)."""
        if self._shared is None and not self._own_box:
            self._shared = shared_box.take(self.limits.disk_mb, self.limits.load_seconds, self._box,
                                           tuple(sorted(self.forbidden)), tuple(self.private))
            self._own_box = self._shared is None
        if self._shared is None:
            return None
        cfg = self._config(isolation.BOX_ROOT, isolation.BOX_WORK, launch.box_user())
        try:
            return self._shared.fork(cfg, self.limits.load_seconds)
        except SharedBoxError:
            self._drop_shared()
            return None

    def _drop_shared(self):
        box, self._shared, self._own_box = self._shared, None, True
        if box is not None:
            box.destroy()
            box.busy = False

    def _spawn(self):
        if self._closed:
            raise CallFailed("protocol", "was not run: the sandbox is closed")
        self._kill_reason = ""
        popen = self._fork_shared() if self.mode == "bwrap" else None
        if popen is None:
            argv, cwd, home = self._command()
            popen = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd, env=launch.clean_env(home, self.token),
                                     start_new_session=os.name != "nt", close_fds=True)
        reader = (ThreadReader if os.name == "nt" else Reader)(popen.stdout.fileno(),
                                                              self.limits.reply_mb * MB)
        drain = launch.Drain(popen.stderr.fileno(), self.limits.output_bytes)
        drain.start()
        if os.name != "nt":
            os.set_blocking(popen.stdin.fileno(), False)
        self.proc = _Proc(popen, popen.stdin.fileno(), reader, drain, threading.Event())
        hello = self._request({"op": "hello"}, self.limits.load_seconds)
        self.proc.nproc = bool(hello.get("nproc"))
        if isolation.LINUX:
            self.proc.watchdog = threading.Thread(target=self._watch, args=(self.proc,), daemon=True)
            self.proc.watchdog.start()

    def start(self) -> dict:
        """Start the worker and import the modules; returns the load report.

        Each module is imported on its own, so a module that hangs or crashes at
        import time is reported as such and the others still load.
        """
        if self.proc is not None:
            return self.load_report
        if self._deadline is None:
            self._deadline = time.monotonic() + self._submission_seconds
        self._check_budget("could not run")
        if self.restarts > self.limits.max_restarts:
            raise CallFailed("crash", f"could not run: its process was restarted too often "
                             f"({self.limits.max_restarts} times) after crashes or timeouts")
        self._spawn()
        if self.load_report is None:
            report = {}
            lost_worker = False
            for name in self.modules:
                try:
                    if self.proc is None:
                        self._spawn()
                    reply = self._request({"op": "load", "modules": [name]},
                                          self.limits.load_seconds)
                    report[name] = replies.clean_load(reply, name)
                except CallFailed as exc:
                    lost_worker = lost_worker or self.proc is None
                    report[name] = {"status": "error", "error": exc.message, "trace": ""}
            self.load_report = report
            if lost_worker:
                # A module crashed or hung at import and took the worker (and the modules
                # imported before it) down: start afresh with the modules that loaded.
                self.kill()
                return self.start()
            if self.proc is None:
                self._spawn()
        else:
            good = [m for m in self.modules if self.load_report.get(m, {}).get("status") == "ok"]
            if good:
                self._request({"op": "load", "modules": good}, self.limits.load_seconds)
        return self.load_report

    def _watch(self, proc: _Proc):
        """Caps the number of processes (where RLIMIT_NPROC does not hold, e.g. for root)
        and the resident memory of the whole process tree."""
        limit = self.limits.processes
        memory = self.limits.memory_mb * MB
        pid = proc.popen.pid
        extra = 3 if self.mode == "bwrap" else 1  # bubblewrap's own two processes
        shared = proc.popen.box if isinstance(proc.popen, shared_box.Forked) else None
        if shared is not None:  # the whole shared box: bubblewrap, the fork server, the worker
            pid, extra = shared.popen.pid, 4
        base = isolation.task_total()
        disk = self._disk_watch(proc)
        tick = 0
        while not proc.stop.wait(0.04):
            tick += 1
            reason = ""
            if disk is not None:  # every tick: statvfs is cheap, and a disk fills fast
                reason = disk.check()
                if reason:
                    self._wipe_work = True
            if not proc.nproc and base is not None:
                total = isolation.task_total()
                if total is not None and total - base > limit:
                    count, _ = isolation.tree_usage(pid)
                    if count > limit + extra:
                        reason = f"started too many processes (more than {limit})"
                    else:
                        base = total - count
            if not reason and tick % 6 == 0:
                count, used = isolation.tree_usage(pid)
                if used > memory:
                    reason = (f"used more than {self.limits.memory_mb} MiB of memory "
                              "(all its processes together)")
                elif not proc.nproc and count > limit + extra:
                    reason = f"started too many processes (more than {limit})"
            if reason:
                self._kill_reason = reason
                if shared is not None:
                    proc.popen.kill()
                    shared.kill_others()
                else:
                    isolation.terminate(pid, self.token)
                return

    def _disk_watch(self, proc: _Proc) -> DiskWatch | None:
        """The disk check of this worker (None where it cannot be made): the fallback's
        working folder, or the tmpfs of its bubblewrap box (seen through a process of
        the box: ``/proc/<pid>/root``), whose size holds the bytes but not the inodes."""
        lim = self.limits
        max_bytes, max_files = lim.disk_mb * MB, lim.disk_files
        try:
            if self.mode != "bwrap":
                pid, work = proc.popen.pid, str(self._work)
                return DiskWatch(work, max_bytes, max_files, lambda: held(
                    work, [pid, *isolation.descendants(pid)], max_bytes, max_files))
            pid = proc.popen.pid
            inside = [pid] if isinstance(proc.popen, shared_box.Forked) else isolation.descendants(pid)
            mine = os.readlink("/proc/self/ns/mnt")
            for p in inside:
                try:
                    if os.readlink(f"/proc/{p}/ns/mnt") != mine:
                        return DiskWatch(f"/proc/{p}/root{isolation.BOX_WORK}", max_bytes, max_files)
                except OSError:
                    continue
        except Exception:  # noqa: BLE001 - no disk check rather than no grading
            return None
        return None

    def kill(self):
        """Stop the worker and every process it started; wait for them to be gone."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.stop.set()
        if proc.watchdog is not None and proc.watchdog is not threading.current_thread():
            proc.watchdog.join(timeout=5)
        forked = isinstance(proc.popen, shared_box.Forked)
        if forked:
            proc.popen.kill()
            try:
                proc.popen.box.reset()  # every process it left, its files, its IPC objects
            except SharedBoxError:
                if proc.popen.box is self._shared:
                    self._drop_shared()
                else:
                    proc.popen.box.destroy()
            FORKED_CPU[0] += proc.popen.cpu
        elif os.name == "nt":
            proc.popen.kill()
        else:
            isolation.terminate(proc.popen.pid, self.token)
        try:
            proc.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if forked:
            proc.popen.close()
        else:
            isolation.terminate(None, self.token)
        if self._wipe_work and self.mode != "bwrap":
            self._empty_work()
        try:
            proc.popen.stdin.close()
        except OSError:
            pass
        # Join before closing the read ends, so a descriptor number is never reused
        # under a thread that still reads from it.
        reader_done = proc.reader.close()
        proc.drain.join(timeout=5)
        if reader_done:
            proc.popen.stdout.close()
        if not proc.drain.is_alive():
            proc.popen.stderr.close()
        self._kept += proc.drain.kept
        self._dropped += proc.drain.dropped + proc.dropped

    @contextlib.contextmanager
    def aside(self):
        """Requests whose outcome must not change the grade (a diagnosis's probes, a
        picture's data): afterwards the functions stopped, the crash counts, the restarts
        and batching are as they were before, and the submission's deadline moves by
        the time they took. A function that hangs there is still stopped while they run
        (a second probe of it fails at once)."""
        saved = (dict(self.stopped), dict(self._crashes), self.restarts, self._no_batch)
        started = time.monotonic()
        try:
            yield self
        finally:
            self.stopped, self._crashes = saved[0], saved[1]
            self.restarts, self._no_batch = saved[2], saved[3]
            if self._deadline is not None:
                self._deadline += time.monotonic() - started

    def close(self):
        try:
            self.kill()
        finally:
            box, self._shared = self._shared, None
            if box is not None:
                box.give_back()
            if not self._closed:
                self._closed = True
                _rmtree(self._tmp)  # never raises (a failure is logged, and swept later)

    @property
    def output(self) -> str:
        kept = bytes(self._kept)
        dropped = self._dropped
        if self.proc is not None:
            kept += bytes(self.proc.drain.kept)
            dropped += self.proc.drain.dropped + self.proc.dropped
        text = clean_text(kept[: self.limits.output_bytes].decode("utf-8", "replace"))
        dropped += max(0, len(kept) - self.limits.output_bytes)
        return text + (f"\n[... {dropped} more bytes of output dropped]" if dropped else "")

    # -- requests ------------------------------------------------------------------
    @property
    def _submission_seconds(self) -> float:
        return self.submission_seconds or self.limits.submission_seconds

    def _remaining(self) -> float:
        return float("inf") if self._deadline is None else self._deadline - time.monotonic()

    def _check_budget(self, what: str):
        if self._remaining() <= 0:
            self.kill()
            raise CallFailed("timeout", f"{BUDGET_USED_UP} (the whole submission may take "
                             f"{self._submission_seconds:.3g} s)", by_budget=True)

    @staticmethod
    def _body(req: dict) -> bytes:
        return json.dumps(req, allow_nan=True, separators=(",", ":")).encode()

    def _send(self, proc: _Proc, body: bytes, deadline: float) -> None:
        """Write one message; TimeoutError if the worker does not take it by ``deadline``."""
        data = memoryview(wire._HEADER.pack(len(body)) + body)
        if os.name != "nt":  # a non-blocking pipe (see _spawn): wait for room with select
            while data:
                try:
                    data = data[os.write(proc.to_fd, data):]
                except BlockingIOError:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not select.select([], [proc.to_fd], [], remaining)[1]:
                        raise TimeoutError from None
            return

        def write():
            view = data
            while view:
                view = view[os.write(proc.to_fd, view):]
        if len(data) <= 16384:  # fits in the pipe of an idle worker
            write()
            return
        errors = []

        def guarded():
            try:
                write()
            except OSError as exc:
                errors.append(exc)
        t = threading.Thread(target=guarded, daemon=True)
        t.start()
        t.join(max(0.0, deadline - time.monotonic()))
        if t.is_alive():
            raise TimeoutError
        if errors:
            raise errors[0]

    def _request(self, req: dict | bytes, timeout: float) -> dict:
        """Send one request (a dict, or its JSON body) and wait for its reply."""
        proc = self.proc
        timeout, by_budget = self._timeout(timeout)
        deadline = time.monotonic() + timeout
        body = req if isinstance(req, bytes) else self._body(req)
        try:
            self._send(proc, body, deadline)
        except TimeoutError:
            return self._timed_out(timeout, by_budget)
        except OSError:
            return self._died("while receiving its input")
        proc.reader.budget = replies.budget_for(body, proc.reader.cap)
        return self._await(proc, deadline, timeout, by_budget)

    def _timeout(self, timeout: float) -> tuple[float, bool]:
        budget = self._remaining()
        return max(0.0, min(timeout, budget)), budget < timeout

    def _await(self, proc: _Proc, deadline: float, timeout: float, by_budget: bool) -> dict:
        """The worker's next reply (or the request's timeout, or its death)."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self._timed_out(timeout, by_budget)
            try:
                kind, value = proc.reader.get(min(remaining, 0.1))
            except queue.Empty:
                if not _alive(proc.popen):
                    # Gone, but something it left behind may hold the pipe open.
                    isolation.terminate(proc.popen.pid, self.token)
                    try:
                        kind, value = proc.reader.get(2)
                    except queue.Empty:
                        return self._died("")
                else:
                    continue
            if kind == "msg" and isinstance(value, dict):
                proc.dropped = max(proc.dropped, replies.non_negative(value.get("dropped")))
                return value
            if kind == "msg" or kind == "bad":
                detail = value if kind == "bad" else "not a message"
                self.kill()
                self.restarts += 1
                raise CallFailed("protocol", f"sent an unreadable reply ({detail})")
            return self._died("")

    # -- pipelining -------------------------------------------------------------------
    #: Planned requests written ahead of the one whose reply is awaited (at most), and
    #: how few may be left before more are written.
    WINDOW = 16
    REFILL = 4

    def pipeline(self, bodies) -> int:
        """Queue requests the grader expects to make next (their JSON bodies, as
        :meth:`recording` returned them for an earlier submission): they are written to
        the worker ahead of time, a few at a time (:data:`WINDOW`), each as an ordinary
        request; the worker runs them in order and replies to each as it finishes. It
        cannot tell them from requests sent one at a time: nothing of a plan is ever in
        the worker's memory before it is the request being run (the rest waits in the
        pipe, or here).

        A request made afterwards that is the next expected one takes its reply instead
        of being sent: the same reply, as the student's functions are pure (see the
        student contract). The first request that differs cancels the rest (see
        :meth:`cancel_pipeline`). Returns how many were queued (0: nothing pipelined).
        """
        planned = [b if isinstance(b, tuple) else (b, None) for b in bodies]
        planned = [(b, raw) for b, raw in planned if isinstance(b, bytes)]
        if not planned or self._no_pipeline or self._closed or os.name == "nt":
            return 0
        try:
            self.start()
            self._check_budget("could not run")
        except CallFailed:  # the check's own first request will meet (and report) this
            return 0
        proc = self.proc
        if proc is None or proc.pending:
            return 0
        proc.pending.extend(planned)
        proc.sent, proc.partial, proc.batch = 0, None, 0
        try:
            self._pump(proc)
        except OSError:
            self._abandon()
            return 0
        return len(planned)

    def _fill(self, proc: _Proc, at_least: int) -> bool:
        """Take the next planned requests to write, as one buffer (up to :data:`WINDOW`
        written ahead of the one awaited, at least ``at_least``); False if none is left."""
        start = proc.sent
        stop = min(len(proc.pending), max(start + at_least, self.WINDOW))
        if stop <= start:
            return False
        proc.partial = memoryview(b"".join(
            wire._HEADER.pack(len(proc.pending[k][0])) + proc.pending[k][0] for k in range(start, stop)))
        proc.batch = stop - start
        return True

    def _pump(self, proc: _Proc) -> None:
        """Write planned requests ahead, as far as the pipe takes them without waiting:
        a few at once when no more than :data:`REFILL` written ones are left (one write
        for several requests, so the worker is woken once for them)."""
        if proc.partial is None and (proc.sent > self.REFILL or not self._fill(proc, 0)):
            return
        try:
            n = os.write(proc.to_fd, proc.partial)
        except BlockingIOError:
            return
        proc.partial = proc.partial[n:]
        if not len(proc.partial):
            proc.partial = None
            proc.sent, proc.batch = proc.sent + proc.batch, 0

    def _finish_write(self, proc: _Proc, deadline: float) -> None:
        """Write the rest of the planned requests being written (or the next ones, if
        none are): a message is never left half written. TimeoutError, OSError."""
        if proc.partial is None and not self._fill(proc, 1):
            return
        data, proc.partial = proc.partial, None
        while len(data):
            try:
                data = data[os.write(proc.to_fd, data):]
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([], [proc.to_fd], [], remaining)[1]:
                    raise TimeoutError from None
        proc.sent, proc.batch = proc.sent + proc.batch, 0

    def cancel_pipeline(self) -> None:
        """Drop the pipelined requests not taken: nothing more is written, and the
        replies of those already written are read and thrown away. If one of them hangs
        or kills the worker, the worker is stopped and started afresh on the next
        request, without counting as a restart (the student's code never asked for
        it); pipelining is then off for this sandbox."""
        proc = self.proc
        if proc is None or not proc.pending:
            return
        try:
            if proc.partial is not None:
                self._finish_write(proc, time.monotonic() + self.limits.call_seconds)
        except (TimeoutError, OSError):
            self._abandon()
            return
        written_raw = list(proc.pending)[:proc.sent]
        written = [body for body, _raw in written_raw]
        proc.pending.clear()
        proc.sent, proc.partial, proc.batch = 0, None, 0
        budget = replies.budget_for(None, proc.reader.cap)
        for planned_body in written:
            budget = replies.merge(budget, replies.budget_for(planned_body, proc.reader.cap))
        proc.reader.budget = budget
        for _body, planned in written_raw:
            timeout, _ = self._timeout(self._budget(planned))
            try:
                kind, value = proc.reader.get(timeout)
            except queue.Empty:
                self._abandon()
                return
            if kind != "msg" or not isinstance(value, dict):
                self._abandon()
                return
            proc.dropped = max(proc.dropped, replies.non_negative(value.get("dropped")))

    def _abandon(self) -> None:
        self._no_pipeline = True
        self.kill()

    def recording(self) -> list:
        """Start recording the requests made to the student's code; the returned list
        fills as they are made, with ``(JSON body, snapshot of the request's values)``
        (the snapshot lets a later identical request skip its encoding, see
        :func:`wire.same`; None where it cannot).

        Only requests built from the grader's own data are recorded: the recording
        ends before the first request holding an array or a number equal to one the
        student's code returned earlier in the check (:class:`~.replies.Replied`: a check
        feeding the student's outputs back). A plan then never carries one student's
        results into another student's worker."""
        self._recorded = []
        self._record_open = True
        self._replied = Replied()
        return self._recorded

    def stop_recording(self) -> None:
        self._recorded = None
        self._record_open = False
        self._replied = Replied()

    def _take(self, body, raw, budget: float):
        """The reply to the request if it is the next pipelined one, else None (after
        cancelling what was pipelined). Matched on its values (``raw``) where they are
        certainly the planned ones (:func:`wire.same`: no encoding needed), else on
        its exact JSON body (``body()``)."""
        proc = self.proc
        if proc is None or not proc.pending:
            return None
        planned_body, planned = proc.pending[0]
        if not (raw is not None and planned is not None and wire.same(raw, planned)) \
                and planned_body != body():
            self.cancel_pipeline()
            return None
        timeout, by_budget = self._timeout(budget)
        deadline = time.monotonic() + timeout
        try:
            if proc.sent == 0:  # not written whole yet: it is this request's turn now
                self._finish_write(proc, deadline)
            proc.pending.popleft()
            proc.sent -= 1
            self._pump(proc)
        except TimeoutError:
            return self._timed_out(timeout, by_budget)
        except OSError:
            return self._died("while receiving its input")
        proc.reader.budget = replies.budget_for(planned_body, proc.reader.cap)
        return self._await(proc, deadline, timeout, by_budget)

    def _timed_out(self, timeout: float, by_budget: bool):
        self.kill()
        self.restarts += 1
        if by_budget:
            raise CallFailed("timeout", "did not finish before the time budget of the whole "
                             f"submission ({self._submission_seconds:.3g} s) ran out; the checks "
                             "after this one are not run", by_budget=True)
        raise CallFailed("timeout", f"did not finish within {timeout:.3g} s "
                         "(an infinite loop, or far too slow)")

    def _died(self, when: str):
        proc = self.proc
        reason = self._kill_reason
        self.kill()
        self.restarts += 1
        code = proc.popen.returncode if proc else None
        forked = proc is not None and isinstance(proc.popen, shared_box.Forked)
        if reason:
            raise CallFailed("crash", f"{reason} and was stopped")
        sig = None
        if code is not None and code < 0:
            sig = -code
        elif code is not None and self.mode == "bwrap" and code > 128 and not forked:
            sig = code - 128  # bubblewrap reports a signal as 128 + its number
        if sig is not None:
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = str(sig)
            how = {"SIGSEGV": "crashed (segmentation fault)", "SIGBUS": "crashed (bus error)",
                   "SIGKILL": "was killed (out of memory or a limit)",
                   "SIGXCPU": "used up its CPU time", "SIGXFSZ": "wrote a file larger than allowed",
                   "SIGABRT": "aborted", "SIGFPE": "crashed (floating-point exception)",
                   "SIGILL": "crashed (illegal instruction)"}.get(name, f"was killed by {name}")
        else:
            how = f"exited with status {code} (os._exit, or a crash)"
        raise CallFailed("crash", f"the process running your code {how}{' ' + when if when else ''}")

    def request(self, req, timeout: float | None = None, raw=None) -> object:
        """Send one request; return the decoded value or raise :class:`CallFailed`.

        ``req`` is the request, or a function building it (called only if it has to
        be encoded); ``raw``, a tuple of the plain values it is built from (see
        :meth:`_take`)."""
        made: list = []

        def body() -> bytes:
            if not made:
                made.append(self._body(req() if callable(req) else req))
            return made[0]
        recording = self._recorded is not None and \
            (raw[0] if raw is not None else req.get("op")) in PLANNED
        if recording:
            if self._record_open and raw is not None and not self._replied.seen_in(raw):
                self._recorded.append((body(), wire.snapshot(raw)))
                self._replied.sent(raw)
            else:
                # Built from what the student's code returned (or unknown): never planned,
                # nor anything after it (a plan carries no student's data to another).
                self._record_open = False
        key = (raw[1], raw[2]) if raw is not None and len(raw) > 2 and raw[0] in PLANNED else None
        if key in self.stopped:
            kind, message = self.stopped[key]
            raise CallFailed(kind, message)
        budget = timeout or self._budget(raw)
        started = time.monotonic()
        try:
            reply = None
            if self.proc is not None and self.proc.pending:
                self._check_budget("could not run")
                if timeout:  # a request with a time limit of its own is never taken from a plan
                    self.cancel_pipeline()
                else:
                    reply = self._take(body, raw, budget)
            if reply is None:
                self.start()
                self._check_budget("could not run")
                started = time.monotonic()
                reply = self._request(body(), budget)
        except CallFailed as exc:
            if key is not None:
                self._stop_if_broken(key, raw, exc, budget)
            raise
        if self.timings is not None and key is not None:
            self.timings.append((raw[0], key[0], key[1], _units(raw), time.monotonic() - started))
        if reply.get("ok") is not True:
            kind = reply.get("kind")
            raise CallFailed(kind if kind in KINDS else "exception",
                             replies.text(reply.get("error"), 2000) or "failed",
                             replies.text(reply.get("trace"), 4000),
                             replies.names(reply.get("forbidden")))
        try:
            value = replies.decoded(reply)
        except Exception as exc:  # noqa: BLE001 - anything malformed is the worker's fault
            raise CallFailed("protocol", f"returned something unreadable ({str(exc)[:200]})") from None
        if recording and self._record_open:
            self._replied.add(value)
        return value

    def _budget(self, raw) -> float:
        """The time budget of the request built from ``raw``: its function's budget
        (sized by the number of steps or epochs it runs), else ``limits.call_seconds``."""
        if raw is None or len(raw) < 3 or raw[0] not in PLANNED:
            return self.limits.call_seconds
        budget = self.budgets.get((raw[1], raw[2]))
        if budget is None:
            return self.limits.call_seconds
        return budget.call if raw[0] == "call" else budget.of(_units(raw))

    def _stop_if_broken(self, key, raw, exc: CallFailed, budget: float) -> None:
        """Remember a function that hung (once) or crashed the worker CRASH_TRIES times:
        it is not called again in this submission, and what calls it is told why."""
        if raw[0] == "drive" and raw[7]:  # a batch that failed is replayed call by call (see drive)
            return
        if exc.kind == "timeout" and not exc.by_budget:
            what = f"did not finish within {budget:.3g} s (an infinite loop, or far too slow)"
            kind = "timeout"
        elif exc.kind == "crash" and not exc.message.startswith("could not run"):
            self._crashes[key] = self._crashes.get(key, 0) + 1
            if self._crashes[key] < CRASH_TRIES:
                return
            what = f"stopped the process running your code {self._crashes[key]} times ({exc.message})"
            kind = "crash"
        else:
            return
        try:
            shown = _describe(raw)
        except Exception:  # noqa: BLE001 - the message must not depend on rendering
            shown = f"`{key[1]}`"
        self.stopped[key] = (kind, f"{STOPPED}, {shown} {what}; "
                             f"`{key[1]}` is not called again, and the remaining checks that call "
                             "it were not run")
        if kind == "timeout":
            exc.message = f"{exc.message} on {shown}; `{key[1]}` is not called again in this submission"
            exc.args = (exc.message,)

    def call(self, module: str, name: str, *args, rngs: dict | None = None, **kwargs):
        rngs = rngs or {}
        return self.request(lambda: {"op": "call", "module": module, "name": name,
                                     "args": wire.encode(list(args)), "kwargs": wire.encode(kwargs),
                                     "rngs": rngs},
                            raw=("call", module, name, args, kwargs, rngs))

    def drive(self, module: str, name: str, driver: str, payload, *, units: int = 1,
              shown: str = "", batched: bool = False):
        """Run the assignment's driver ``driver`` (``Assignment.drivers``: its ``DRIVERS``)
        on the student's ``module.name`` with ``payload`` (plain data) in the worker;
        returns what the driver returns (plain data).

        ``units``: how many steps, epochs... the request runs (its time budget is the
        function's budget for that many); ``shown``: the call as a student reads it, for
        the message when it hangs. ``batched``: the request batches work the caller can
        replay one call at a time: when it does not run cleanly (an exception, a crash,
        a timeout) None is returned, and after a crash or a timeout batching is switched
        off for this sandbox (None at once), so a hanging function costs one budget.
        """
        if batched and self._no_batch:
            return None
        try:
            return self.request(
                lambda: {"op": "drive", "module": module, "name": name, "driver": driver,
                         "payload": wire.encode(payload)},
                raw=("drive", module, name, driver, payload, max(1, int(units)), shown, batched))
        except CallFailed as exc:
            if not batched:
                raise
            if exc.kind in ("timeout", "crash", "protocol"):
                self._no_batch = True
                # The replay one call at a time meets the same problem and restarts the
                # worker itself: count that one only, so that feedback does not depend
                # on batching.
                self.restarts = max(0, self.restarts - 1)
            return None


def _units(raw) -> int:
    """How many units (steps, epochs...) a request runs, as its caller said; 1 for a call."""
    try:
        if raw[0] == "drive":
            return max(1, int(raw[5]))
    except (TypeError, ValueError, IndexError):
        pass
    return 1


def _describe(raw) -> str:
    """The call a request made, for a student: ``adam_step(array([...]), ...)``."""
    from ..checking import call_text

    op, name = raw[0], raw[2]
    if op == "call":
        return str(call_text(name, raw[3], raw[4]))
    return raw[6] or f"`{name}`"
