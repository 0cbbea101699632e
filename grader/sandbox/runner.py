"""The trusted side of the sandbox: starts, talks to, limits and kills the worker."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import wire

WORKER = Path(__file__).with_name("worker.py")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's worker (generous: far above a correct solution)."""

    call_seconds: float = 10.0        # wall time of one call
    load_seconds: float = 30.0        # wall time of importing the submission's modules
    memory_mb: int = 3072             # address space
    cpu_seconds: int = 600            # CPU time of one worker process
    file_mb: int = 16                 # size of any file it writes
    output_bytes: int = 64 * 1024     # stdout/stderr kept (the rest is counted and dropped)


class CallFailed(Exception):
    """A request to the worker did not return a value. ``kind`` says why."""

    def __init__(self, kind: str, message: str, trace: str = "", forbidden=()):
        super().__init__(message)
        self.kind = kind          # exception | timeout | crash | forbidden | unsupported | protocol
        self.message = message
        self.trace = trace
        self.forbidden = tuple(forbidden)


def _clean_env(home: str) -> dict:
    env = {
        "PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1", "MPLBACKEND": "Agg",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # needed on some CPUs (see env notes)
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _limit(limits: Limits):
    def apply():  # runs in the child between fork and exec
        import resource

        def setl(which, value):
            try:
                resource.setrlimit(which, (value, value))
            except (ValueError, OSError):
                pass
        setl(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
        setl(resource.RLIMIT_CPU, limits.cpu_seconds)
        setl(resource.RLIMIT_FSIZE, limits.file_mb * 1024 * 1024)
        setl(resource.RLIMIT_CORE, 0)
    return apply


class _Drain(threading.Thread):
    """Reads the worker's stdout/stderr so it never blocks; keeps the first bytes only."""

    def __init__(self, stream, cap: int):
        super().__init__(daemon=True)
        self.stream, self.cap = stream, cap
        self.kept = bytearray()
        self.dropped = 0

    def run(self):
        while True:
            chunk = self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536)
            if not chunk:
                return
            room = self.cap - len(self.kept)
            if room > 0:
                self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - max(room, 0))


@dataclass
class Sandbox:
    """One submission's worker process, restarted after a crash or a timeout.

    ``modules`` are imported on every (re)start; ``load_report`` holds what happened.
    """

    root: Path
    modules: tuple
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self):
        self.root = Path(self.root).resolve()
        self.proc = None
        self.load_report: dict | None = None
        self.restarts = 0
        self._tmp = tempfile.TemporaryDirectory(prefix="grader-work-")
        self._drains: list[_Drain] = []

    # -- lifecycle -----------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _spawn(self):
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", str(WORKER), str(to_r), str(from_w), str(self.root)],
                pass_fds=(to_r, from_w), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, cwd=self._tmp.name, env=_clean_env(self._tmp.name),
                start_new_session=True, preexec_fn=_limit(self.limits))
        finally:
            os.close(to_r)
            os.close(from_w)
        self._to, self._from = to_w, from_r
        drain = _Drain(self.proc.stdout, self.limits.output_bytes)
        drain.start()
        self._drains.append(drain)
        self._request({"op": "hello"}, self.limits.load_seconds)

    def start(self) -> dict:
        """Start the worker and import the modules; returns the load report."""
        if self.proc is None:
            self._spawn()
            reply = self._request({"op": "load", "modules": list(self.modules)},
                                  self.limits.load_seconds)
            if self.load_report is None:
                self.load_report = reply["modules"]
        return self.load_report

    def kill(self):
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for fd in (self._to, self._from):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if proc.stdout:
            proc.stdout.close()

    def close(self):
        self.kill()
        for d in self._drains:
            d.join(timeout=1)
        self._tmp.cleanup()

    @property
    def output(self) -> str:
        kept = b"".join(bytes(d.kept) for d in self._drains)[: self.limits.output_bytes]
        dropped = sum(d.dropped for d in self._drains)
        text = kept.decode("utf-8", "replace")
        return text + (f"\n[... {dropped} more bytes of output dropped]" if dropped else "")

    # -- requests ------------------------------------------------------------------
    def _request(self, req: dict, timeout: float) -> dict:
        try:
            wire.send(self._to, req)
        except OSError:
            return self._died("while receiving its input")
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                self.restarts += 1
                raise CallFailed("timeout", f"did not finish within {timeout:g} s "
                                 "(an infinite loop, or far too slow)")
            ready, _, _ = select.select([self._from], [], [], remaining)
            if ready:
                break
        try:
            return wire.recv(self._from)
        except (EOFError, OSError, ValueError):
            return self._died("")

    def _died(self, when: str):
        proc = self.proc
        code = proc.wait(timeout=5) if proc else None
        self.kill()
        self.restarts += 1
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            how = {"SIGSEGV": "crashed (segmentation fault)", "SIGKILL": "was killed (out of memory or a limit)",
                   "SIGXCPU": "used up its CPU time", "SIGXFSZ": "wrote a file larger than allowed",
                   "SIGABRT": "aborted"}.get(name, f"was killed by {name}")
        else:
            how = f"exited with status {code} (os._exit or a crash)"
        raise CallFailed("crash", f"the process running your code {how}{' ' + when if when else ''}")

    def request(self, req: dict, timeout: float | None = None) -> object:
        """Send one request; return the decoded value or raise :class:`CallFailed`."""
        self.start()
        reply = self._request(req, timeout or self.limits.call_seconds)
        if not reply.get("ok"):
            raise CallFailed(reply.get("kind", "exception"), reply.get("error", "failed"),
                             reply.get("trace", ""), reply.get("forbidden", ()))
        try:
            return wire.decode(reply.get("value"))
        except (wire.WireError, ValueError, TypeError, KeyError) as exc:
            raise CallFailed("protocol", f"returned something unreadable ({exc})") from None

    def call(self, module: str, name: str, *args, rngs: dict | None = None, **kwargs):
        return self.request({"op": "call", "module": module, "name": name,
                             "args": wire.encode(list(args)), "kwargs": wire.encode(kwargs),
                             "rngs": rngs or {}})

    def callback(self, module: str, name: str, init: dict, runs: list, initial_weights: list):
        return self.request({"op": "callback", "module": module, "name": name,
                             "init": wire.encode(init), "runs": wire.encode(runs),
                             "initial_weights": wire.encode(initial_weights)})
