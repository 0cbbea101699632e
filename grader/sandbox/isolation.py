"""Operating-system isolation for the sandbox (trusted side only).

Two runners start a submission's worker:

* ``bwrap``: on Linux with bubblewrap, the worker runs in its own mount, PID,
  network, IPC and UTS namespaces and sees only the Python installation (with the
  grader package and the assignment's forbidden packages masked), the worker's code
  files (``launch.CODE_FILES``), the submission (read-only) and a small private tmpfs.
* ``fallback``: a clean environment, a private temporary working folder and the
  worker's own confinement and policy (see ``worker.py``): Landlock where the kernel
  has it, an unprivileged user when started by root; otherwise no file-system or
  network isolation from the operating system.

Both get the same resource limits, the same process-tree cleanup and the same
marker sweep. This module also holds the process-table helpers used to find and
kill every process of a submission (``/proc`` on Linux, ``ps`` elsewhere).
Standard library only.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

#: Environment variable choosing the runner: ``auto`` (default), ``bwrap`` or ``fallback``.
RUNNER_ENV = "GRADER_SANDBOX"
RUNNERS = ("auto", "bwrap", "fallback")
#: Where things appear inside the bubblewrap sandbox.
BOX_ROOT = "/submission"
BOX_WORK = "/tmp"
BOX_CODE = "/grader-worker"
LINUX = sys.platform.startswith("linux")


def can_drop_root() -> bool:
    """Whether a fallback worker started here drops to an unprivileged user: the
    grader runs as root on Linux (with /proc: the worker's user reaches its folders
    through ``/proc/self/fd``)."""
    return (LINUX and os.geteuid() == 0 and hasattr(os, "setresuid")
            and os.path.isdir("/proc/self/fd"))


@functools.cache
def landlock_abi() -> int:
    """The Landlock ABI version of this kernel (0: none), as a worker would get it."""
    if not LINUX:
        return 0
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        return max(0, int(libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))))
    except (OSError, AttributeError):
        return 0


def random_uid() -> int:
    """A random unprivileged uid (also used as gid) for one worker: no file belongs to it
    and no running process has it (so no other worker: RLIMIT_NPROC then counts that
    worker's processes only, and it cannot read another's folders)."""
    import secrets

    busy = set()
    if os.path.isdir("/proc/self"):
        for name in os.listdir("/proc"):
            if name.isdigit():
                for line in _read(f"/proc/{name}/status", 4096).splitlines():
                    if line.startswith(b"Uid:"):
                        busy.update(int(x) for x in line.split()[1:])
                        break
    for _ in range(100):
        uid = 120000 + secrets.randbelow(60000)
        if uid not in busy:
            return uid
    return uid


def requested_runner(value: str | None) -> str:
    """The runner asked for by a Limits field, else by ``$GRADER_SANDBOX``, else auto."""
    choice = (value or os.environ.get(RUNNER_ENV) or "auto").strip().lower()
    if choice not in RUNNERS:
        raise ValueError(f"unknown sandbox runner {choice!r} (expected one of {', '.join(RUNNERS)})")
    return choice


def exposed(paths) -> list[str]:
    """Those of ``paths`` that any user of the machine can reach (every folder above
    them searchable by others, and they themselves readable or, for a folder,
    searchable by others: file names are easy to guess)."""
    out = []
    for path in paths:
        try:
            p = Path(path).resolve()
            if not p.exists():
                continue
            ok = all(os.stat(a).st_mode & 0o001 for a in p.parents)
            mode = os.stat(p).st_mode
            if ok and mode & (0o001 if p.is_dir() else 0o004):
                out.append(str(p))
        except OSError:
            continue
    return out


def bwrap_executable() -> str | None:
    return shutil.which("bwrap") if LINUX else None


@functools.cache
def bwrap_version(bwrap: str) -> tuple:
    """(major, minor, patch) of bubblewrap; (0,) if it cannot tell."""
    try:
        out = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10,
                             check=False).stdout
        return tuple(int(x) for x in out.split()[-1].split(".")[:3])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return (0,)


# -- what the sandbox sees ---------------------------------------------------------------

def _under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


@functools.cache
def python_paths() -> tuple[str, ...]:
    """Directories the worker's Python needs: its installation and numpy's site dir."""
    import numpy

    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(sys.executable).parent), str(Path(os.path.realpath(sys.executable)).parent),
             str(Path(numpy.__file__).resolve().parent.parent)}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            found.add(p)
    out = set()
    for p in found:
        for q in (os.path.abspath(p), os.path.realpath(p)):
            if os.path.isdir(q):
                out.add(q)
    # Keep the outermost directories only.
    ordered = sorted(out, key=len)
    kept: list[str] = []
    for p in ordered:
        if not _under(p, kept):
            kept.append(p)
    return tuple(kept)


@functools.cache
def numpy_site() -> str:
    import numpy

    return str(Path(numpy.__file__).resolve().parent.parent)


@functools.cache
def framework_dirs(names: tuple = ()) -> dict:
    """{directory: package} for the packages ``names`` (those an assignment forbids:
    ``Assignment.forbidden``) installed here (found, never imported)."""
    import importlib.machinery

    out = {}
    for name in names:
        try:
            # searched on sys.path afresh: a package already imported here (TensorFlow
            # while recording, or in a notebook's kernel) may have grown its __path__
            # with folders inside itself (tensorflow/_api/v2), which must not be masked
            # on their own inside the masked package (bubblewrap cannot mount there)
            spec = importlib.machinery.PathFinder.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            continue
        locations = list(spec.submodule_search_locations or [])
        if not locations and spec.origin:
            locations = [spec.origin]
        for loc in locations:
            out[os.path.realpath(loc)] = name
    return out


@functools.cache
def private_dirs() -> tuple[str, ...]:
    """The grader's own code and data, and the solutions/tests beside a source checkout."""
    pkg = Path(__file__).resolve().parents[1]
    out = [str(pkg)]
    for sibling in ("solutions", "tests", "assignments"):
        p = pkg.parent / sibling
        if p.is_dir():
            out.append(str(p))
    return tuple(out)


def _mounts_for(path: str, parents_done: set) -> list[str]:
    """``--dir`` entries (mode 0755) for the parents of ``path``: bubblewrap would
    create them 0700, which the unprivileged worker could not traverse."""
    args = []
    parts = Path(path).parts
    for i in range(2, len(parts)):
        parent = str(Path(*parts[:i]))
        if parent not in parents_done:
            parents_done.add(parent)
            args += ["--perms", "0755", "--dir", parent]
    return args


DECOY = '''"""Put by the grader's sandbox where a forbidden package would be."""
import sys as _sys
_top = __name__.partition(".")[0]
_policy = _sys.modules.get("_grader_worker_policy")
if _top in getattr(_policy, "FORBIDDEN", {}) and hasattr(_policy, "forbidden_error"):
    raise _policy.forbidden_error(_top)
raise ImportError(f"module {_top!r} is not available to submissions")
'''


def make_decoy(folder: Path) -> str:
    """A package that refuses to be imported, mounted over the hidden packages."""
    folder.mkdir(mode=0o755)
    (folder / "__init__.py").write_text(DECOY, encoding="utf-8")
    os.chmod(folder, 0o755)
    os.chmod(folder / "__init__.py", 0o644)
    return str(folder)


def bwrap_argv(bwrap: str, root: str, code_files: dict, *, as_root: bool, disk_mb: int,
               decoy: str, forbidden: tuple = (), private: tuple = ()) -> list[str]:
    """The bubblewrap command line up to (not including) the command."""
    version = bwrap_version(bwrap)
    args = [bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if not as_root:
        args += ["--unshare-user"] + (["--disable-userns"] if version >= (0, 8) else [])
    args += ["--proc", "/proc", "--dev", "/dev"]
    done: set = set()
    system = ["/usr"]
    args += ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
            system.append(name)
    for name in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime"):
        if os.path.exists(name):
            args += _mounts_for(name, done) + ["--ro-bind", name, name]
    # The working folder's tmpfs first: a Python installed under it (a virtual environment
    # in /tmp) is bound on top of it below, instead of being hidden by it.
    size = ["--size", str(disk_mb * 1024 * 1024)] if version >= (0, 7) else []
    args += ["--perms", "1777", *size, "--tmpfs", BOX_WORK]
    done.add(BOX_WORK)
    bound = list(system)
    for p in python_paths():
        if _under(p, bound):
            continue
        args += _mounts_for(p, done) + ["--ro-bind", p, p]
        bound.append(p)
    # Mask what must stay invisible even though it lies in a bound directory
    # (a non-editable install puts the grader and its recorded answers in site-packages).
    # A decoy package takes their place, so that even an import that bypasses the
    # worker's blocker fails with the grader's message.
    masked = set(private_dirs()) | set(private) | set(framework_dirs(tuple(forbidden)))
    # the same folder under every name the box binds it by: a bound path that is (or is
    # under) a symbolic link reaches the real folder too (red team: a Python installation
    # reached through a symlink showed a private folder masked by its real path only)
    for b in bound:
        real = os.path.realpath(b)
        if real != b:
            masked |= {b + p[len(real.rstrip("/")):] for p in list(masked) if _under(p, [real])}
    # a folder inside another masked one is masked with it (and cannot be mounted on)
    masked = {p for p in masked if not any(p != q and _under(p, [q]) for q in masked)}
    for p in sorted(masked):
        if _under(p, bound) and os.path.isdir(p):
            args += ["--ro-bind", decoy, p]
        elif _under(p, bound) and os.path.exists(p):
            args += ["--ro-bind", "/dev/null", p]
    args += ["--perms", "0755", "--dir", BOX_CODE]
    for name, src in code_files.items():
        args += ["--ro-bind", src, f"{BOX_CODE}/{name}"]
    args += ["--ro-bind", root, BOX_ROOT, "--chdir", BOX_WORK]
    return args


def work_binds() -> list[str]:
    """The folders bound inside the box's working folder (a Python installation under
    /tmp): the cleaning between two workers of a shared box leaves them."""
    return [p for p in python_paths() if _under(p, [BOX_WORK]) and p != BOX_WORK]


# -- the process table ---------------------------------------------------------------------

def _read(path: str, size: int = 65536) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(size)
    except OSError:
        return b""


def proc_table() -> dict:
    """{pid: (ppid, state)} for every process we can see (zombies included)."""
    table = {}
    if os.path.isdir("/proc/self"):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            raw = _read(f"/proc/{name}/stat", 1024)
            end = raw.rfind(b")")
            if end < 0:
                continue
            fields = raw[end + 2:].split()
            if len(fields) < 2:
                continue
            table[int(name)] = (int(fields[1]), fields[0].decode())
        return table
    try:  # macOS and other systems without /proc
        out = subprocess.run(["ps", "-axo", "pid=,ppid=,stat="], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return table
    for line in out.splitlines():
        bits = line.split()
        if len(bits) >= 3 and bits[0].isdigit() and bits[1].isdigit():
            table[int(bits[0])] = (int(bits[1]), bits[2][:1])
    return table


def descendants(pid: int, table: dict | None = None) -> list[int]:
    """Every live process below ``pid`` (not ``pid`` itself)."""
    table = proc_table() if table is None else table
    children: dict = {}
    for p, (pp, _state) in table.items():
        children.setdefault(pp, []).append(p)
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), ()):
            if c not in out and c != pid:
                out.append(c)
                todo.append(c)
    return [p for p in out if table.get(p, (0, "Z"))[1] not in ("Z", "X")]


def cmdline(pid: int) -> str:
    return _read(f"/proc/{pid}/cmdline").replace(b"\0", b" ").decode("utf-8", "replace")


def marked(token: str, table: dict | None = None) -> list[int]:
    """Live processes whose command line or environment holds ``token``.

    Every process a worker forks keeps the worker's command line (which holds the
    sandbox's token) and everything it executes inherits the token in its
    environment, so this finds them even after they left the process tree.
    """
    if not token:
        return []
    table = proc_table() if table is None else table
    me = os.getpid()
    needle = token.encode()
    if not os.path.isdir("/proc/self"):
        try:
            out = subprocess.run(["ps", "-axww", "-o", "pid=,command="], capture_output=True,
                                 text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        return [int(line.split()[0]) for line in out.splitlines()
                if token in line and line.split()[0].isdigit() and int(line.split()[0]) != me]
    found = []
    for pid, (_ppid, state) in table.items():
        if pid == me or state in ("Z", "X"):
            continue
        if needle in _read(f"/proc/{pid}/cmdline") or needle in _read(f"/proc/{pid}/environ"):
            found.append(pid)
    return found


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def terminate(pid: int | None, token: str, *, rounds: int = 200) -> int:
    """Kill ``pid``, its process group, all its descendants and every process marked
    with ``token``, until none is left. Returns how many processes were signalled.

    A killed process cannot fork any more, so repeating the sweep until a scan finds
    nothing converges even against a fork storm.
    """
    if os.name == "nt":
        return 0
    killed = 0
    me = os.getpid()
    if pid:
        try:
            os.killpg(pid, signal.SIGKILL)  # the worker's own session / process group
        except (ProcessLookupError, PermissionError, OSError):
            pass
        for _ in range(rounds):
            table = proc_table()
            victims = set(descendants(pid, table))
            if pid in table and table[pid][1] not in ("Z", "X"):
                victims.add(pid)
            victims.discard(me)
            if not victims:
                break
            for v in victims:
                _kill(v)
            killed += len(victims)
    for _ in range(rounds):  # whatever left the tree (a dead parent, a new session)
        victims = set(marked(token)) - {me}
        if not victims:
            break
        for v in victims:
            _kill(v)
        killed += len(victims)
        time.sleep(0.002)
    return killed


def task_total() -> int | None:
    """Number of threads on the whole machine (cheap: one small file)."""
    raw = _read("/proc/loadavg", 256).split()
    try:
        return int(raw[3].split(b"/")[1])
    except (IndexError, ValueError):
        return None


def memory_of(pid: int) -> int:
    """Bytes of memory a process accounts for: its proportional share of the pages it
    maps (so pages shared after a fork count once in total), else its resident size."""
    raw = _read(f"/proc/{pid}/smaps_rollup", 4096)
    at = raw.find(b"\nPss:")
    if at >= 0:
        try:
            return int(raw[at + 5:].split()[0]) * 1024
        except (ValueError, IndexError):
            pass
    raw = _read(f"/proc/{pid}/statm", 256).split()
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    return int(raw[1]) * page if len(raw) > 1 else 0


def tree_usage(pid: int) -> tuple[int, int]:
    """(number of processes, memory in bytes) of ``pid`` and its descendants."""
    table = proc_table()
    pids = [pid] + descendants(pid, table) if pid in table else descendants(pid, table)
    return len(pids), sum(memory_of(p) for p in pids)
