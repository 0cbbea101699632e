"""The worker: runs untrusted student code in its own process.

Started by :mod:`grader.sandbox.runner` as ``python -I -S worker.py CONFIG_JSON``
(directly, or inside bubblewrap). It imports the submission's modules and answers
requests read from its stdin with plain-data replies on its stdout (see
:mod:`wire`); whatever the student's code prints goes to stderr, capped. It never
sees the reference, the checks or any score: it only calls what it is asked to call
and reports what came back, or what went wrong.

Before any student code runs it sets its own resource limits, drops root
privileges when bubblewrap started it as root, becomes a child subreaper (so the
processes it leaves behind stay in its tree), and installs its policy: an import
blocker and an audit hook (which cannot be removed) refusing the deep-learning
frameworks, the grader's own code, files outside the submission and the Python
installation, writes outside its working folder, other programs, the network and
signals to foreign processes. Under the fallback runner that policy is the only
file-system protection; under bubblewrap it is a second layer.

Standalone on purpose: standard library, numpy, and the two sibling modules
``wire`` and ``drivers`` loaded by path.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import io
import json
import os
import select
import sys
import threading
import traceback

#: {package: what to call it}: what the assignment forbids (set from the configuration).
FORBIDDEN: dict = {}
PRIVATE = {"solutions", "grader", "tests", "conftest"}
_attempts: list[str] = []


def _forbidden_error(top: str) -> ImportError:
    _attempts.append(top)
    return ImportError(
        f"importing {top} is not allowed in this assignment: implement it with numpy "
        f"only ({FORBIDDEN[top]} is what the grader compares you against)")


def _check_import(fullname: str) -> None:
    top = fullname.partition(".")[0]
    if top in FORBIDDEN:
        raise _forbidden_error(top)
    if top in PRIVATE:
        raise ImportError(f"module {top!r} is not available to submissions")


class _Blocker(importlib.abc.MetaPathFinder):
    """Refuses deep-learning frameworks and the grader's own code (first line; the
    audit hook below is the one that cannot be removed)."""

    def find_spec(self, fullname, path=None, target=None):
        _check_import(fullname)


# -- the policy (an audit hook) ------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PROGRAMS = {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
             "os.startfile", "pty.spawn", "webbrowser.open"}
#: Events refused whatever their arguments: the network (sockets, and name lookups, which
#: reach the outside through the resolver without a socket of Python's), sqlite (it opens
#: files without an "open" event, and ATTACH opens any other), the system log.
_REFUSED_PREFIXES = {"socket.": "network access (and name lookups)",
                     "sqlite3.": "using sqlite databases", "syslog.": "writing to the system log",
                     "urllib.": "network access", "http.client.": "network access",
                     "ftplib.": "network access", "smtplib.": "network access",
                     "poplib.": "network access", "imaplib.": "network access",
                     "nntplib.": "network access", "telnetlib.": "network access"}
#: Events that read a path (position of the path, position of its dir_fd or None).
_READS = {"os.listdir": (0, None), "os.scandir": (0, None), "os.chdir": (0, None),
          "os.walk": (0, None), "os.fwalk": (0, 4), "os.getxattr": (0, None),
          "os.listxattr": (0, None), "glob.glob": (0, 3), "shutil.copyfile": (0, None),
          "shutil.copytree": (0, None), "shutil.unpack_archive": (0, None)}
_MODIFY = {"os.remove": (0, 1), "os.rmdir": (0, 1), "os.mkdir": (0, 2), "os.chmod": (0, 2),
           "os.chown": (0, 3), "os.utime": (0, 4), "os.truncate": (0, None),
           "os.chflags": (0, None), "os.lchflags": (0, None), "os.setxattr": (0, None),
           "os.removexattr": (0, None), "shutil.rmtree": (0, 1)}
MAX_FILES_WRITTEN = 100
_PREFIXES = tuple(_REFUSED_PREFIXES)


class Policy:
    """What the student's code may touch, enforced from an audit hook."""

    def __init__(self, cfg: dict):
        real = os.path.realpath
        self.work = real(cfg["work"])
        self.own = {real(cfg["root"]), self.work}
        self.read = {real(p) for p in [cfg["root"], cfg["work"], *cfg.get("libs", ()),
                                        os.path.dirname(os.path.abspath(__file__)),
                                        sys.prefix, sys.base_prefix, sys.exec_prefix,
                                        *[p for p in sys.path if p]]}
        self.read |= {"/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full",
                      "/usr/share/zoneinfo", "/etc/localtime", real("/etc/localtime")}
        self.write = {self.work, "/dev/null"}
        self.deny = {real(p) for p in cfg.get("deny", ())}
        self.frameworks = {real(p): name for p, name in cfg.get("frameworks", {}).items()}
        self.created: set = set()
        self.local = threading.local()
        self.me = os.getpid()

    @staticmethod
    def _under(path: str, roots) -> bool:
        for r in roots:
            if path == r or path.startswith(r.rstrip("/") + "/"):
                return True
        return False

    def _resolve(self, path, dir_fd=None):
        if isinstance(path, int) or path is None:
            return None
        try:
            path = os.fsdecode(path)
        except TypeError:
            return None
        if not os.path.isabs(path):
            base = os.getcwd()
            if isinstance(dir_fd, int) and dir_fd >= 0:
                try:
                    base = os.readlink(f"/proc/self/fd/{dir_fd}")
                except OSError:
                    raise PermissionError("file operations relative to a directory "
                                          "descriptor are not allowed here") from None
            path = os.path.join(base, path)
        return os.path.realpath(path)

    def check_read(self, path, dir_fd=None, opening=False):
        real = self._resolve(path, dir_fd)
        if real is None:
            return
        if self._under(real, self.own):
            return
        if opening and os.path.isdir(real):
            # A directory descriptor outside its own folders would let relative *at calls
            # (os.open(..., dir_fd=...), whose "open" event does not carry dir_fd) reach
            # anything: /proc/<pid>/root, "/", the Python installation's parents.
            raise PermissionError(f"opening the folder {real} is not allowed: a submission "
                                  "may only open folders of its own")
        if real.startswith(f"/proc/{os.getpid()}/"):
            return
        for root, name in self.frameworks.items():
            if self._under(real, [root]):
                raise _forbidden_error(name)
        if self._under(real, self.deny) or not self._under(real, self.read):
            raise PermissionError(f"reading {real} is not allowed: a submission may only read "
                                  "its own files")

    def check_write(self, path, dir_fd=None, create=False):
        real = self._resolve(path, dir_fd)
        if real is None:
            return
        if not self._under(real, self.write):
            raise PermissionError(f"writing {real} is not allowed: a submission may only write "
                                  "in its temporary working folder")
        if create and real not in self.created:
            if len(self.created) >= MAX_FILES_WRITTEN:
                raise PermissionError(f"too many files written (at most {MAX_FILES_WRITTEN} "
                                      "at a time)")
            self.created.add(real)

    def check_link_target(self, target, link, dir_fd=None):
        """A symbolic link may only point into the submission's own folders (a link to
        elsewhere, opened relative to a folder descriptor, would escape the checks)."""
        where = self._resolve(link, dir_fd)
        try:
            target = os.fsdecode(target)
        except TypeError:
            return
        if where is None:
            return
        real = os.path.realpath(os.path.join(os.path.dirname(where), target))
        if not self._under(real, self.own):
            raise PermissionError("a symbolic link may only point into the submission's own "
                                  "folders")

    def check_signal(self, pid):
        if not isinstance(pid, int) or pid in (0, os.getpid()):
            return
        if pid > 0 and self._is_descendant(pid):
            return
        raise PermissionError("sending signals to other processes is not allowed")

    @staticmethod
    def _is_descendant(pid: int) -> bool:
        me = os.getpid()
        for _ in range(64):
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    raw = f.read()
            except OSError:
                return False
            ppid = int(raw[raw.rfind(b")") + 2:].split()[1])
            if ppid == me:
                return True
            if ppid <= 1:
                return False
            pid = ppid
        return False

    def __call__(self, event: str, args: tuple):
        local = self.local
        if getattr(local, "busy", False):
            return
        if event == "open":
            kind = 1
        elif event == "import":
            _check_import(args[0])
            return
        elif event in _PROGRAMS:
            raise PermissionError("running other programs is not allowed in a submission")
        elif event.startswith(_PREFIXES):
            what = next(v for k, v in _REFUSED_PREFIXES.items() if event.startswith(k))
            raise PermissionError(f"{what} is not allowed in a submission")
        elif event in _READS:
            kind = 2
        elif event in _MODIFY or event in ("os.rename", "os.link", "os.symlink"):
            kind = 3
        elif event in ("os.kill", "os.killpg"):
            kind = 4
        else:
            return
        local.busy = True
        try:
            if kind == 1:
                path, mode, flags = args
                write = bool((flags or 0) & _WRITE_FLAGS) or (
                    isinstance(mode, str) and any(c in mode for c in "wax+"))
                if write:
                    self.check_write(path, create=bool((flags or 0) & os.O_CREAT)
                                     or (isinstance(mode, str) and any(c in mode for c in "wax")))
                else:
                    self.check_read(path, opening=mode is None)  # os.open: maybe a folder
            elif kind == 2:
                pos, fd_pos = _READS[event]
                dir_fd = args[fd_pos] if fd_pos is not None and len(args) > fd_pos else None
                path = args[pos] if len(args) > pos and args[pos] is not None else "."
                self.check_read(path, dir_fd if isinstance(dir_fd, int) else None)
            elif kind == 3:
                if event in ("os.rename", "os.link"):
                    src, dst, src_fd, dst_fd = (list(args) + [None] * 4)[:4]
                    self.check_write(src, src_fd)
                    self.check_write(dst, dst_fd, create=True)
                elif event == "os.symlink":
                    dir_fd = args[2] if len(args) > 2 else None
                    self.check_write(args[1], dir_fd, create=True)
                    self.check_link_target(args[0], args[1], dir_fd)
                else:
                    pos, fd_pos = _MODIFY[event]
                    dir_fd = args[fd_pos] if fd_pos is not None and len(args) > fd_pos else None
                    self.check_write(args[pos], dir_fd, create=event == "os.mkdir")
                    if event in ("os.remove", "os.rmdir"):
                        self.created.discard(self._resolve(args[pos], dir_fd))
            elif kind == 4:
                if event == "os.killpg":
                    if args[0] != os.getpgid(0):
                        raise PermissionError("sending signals to other processes is not allowed")
                else:
                    self.check_signal(args[0])
        finally:
            local.busy = False


# -- output ----------------------------------------------------------------------------------

class _Output:
    written = 0
    dropped = 0


def _write_capped(fd: int, cap: int, data: bytes) -> None:
    room = cap - _Output.written
    if room > 0:
        chunk = memoryview(data[:room])
        _Output.written += len(chunk)
        while chunk:
            try:
                n = os.write(fd, chunk)
            except OSError:
                break
            chunk = chunk[n:]
    _Output.dropped += max(0, len(data) - max(room, 0))


class _CappedBytes(io.RawIOBase):
    """``sys.stdout.buffer``: the same cap, for bytes."""

    def __init__(self, fd: int, cap: int):
        self._fd, self._cap = fd, cap

    def writable(self):
        return True

    def fileno(self):
        return self._fd

    def write(self, b):
        data = bytes(b)
        _write_capped(self._fd, self._cap, data)
        return len(data)


class _Capped(io.TextIOBase):
    """sys.stdout/sys.stderr: writes to fd 2 until the cap, then only counts."""

    def __init__(self, fd: int, cap: int, name: str):
        self._fd, self._cap, self._name = fd, cap, name
        self._buffer = _CappedBytes(fd, cap)

    @property
    def buffer(self):
        return self._buffer

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "replace"

    @property
    def name(self):
        return self._name

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        return self._fd

    def flush(self):
        pass

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        _write_capped(self._fd, self._cap, s.encode("utf-8", "replace"))
        return len(s)


# -- setting up the process ------------------------------------------------------------------

def _limit(cfg: dict) -> None:
    try:
        import resource
    except ImportError:  # Windows: wall time and output caps only
        return

    def setl(which, value, hard=None):
        if which is None or value is None:
            return
        try:
            resource.setrlimit(which, (value, value if hard is None else hard))
        except (ValueError, OSError):
            pass
    mb = 1024 * 1024
    setl(getattr(resource, "RLIMIT_AS", None), cfg["memory_mb"] * mb)
    # SIGXCPU at the soft limit (reported as such), SIGKILL a second later.
    setl(getattr(resource, "RLIMIT_CPU", None), cfg["cpu_seconds"], cfg["cpu_seconds"] + 1)
    setl(getattr(resource, "RLIMIT_FSIZE", None), cfg["file_mb"] * mb)
    setl(getattr(resource, "RLIMIT_CORE", None), 0)
    setl(getattr(resource, "RLIMIT_NOFILE", None), 256)


def _drop_privileges(cfg: dict) -> None:
    drop = cfg.get("drop")
    if drop and hasattr(os, "geteuid") and os.geteuid() == 0:
        uid, gid = drop
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getuid() == 0 or os.geteuid() == 0:
            raise SystemExit("could not drop root privileges")


def _open_views(cfg: dict) -> dict:
    """{folder: descriptor} of the folders the worker needs after it drops root (its
    submission, its working folder, the Python installation), opened while it is still
    root. The unprivileged user may not be able to reach them by path (a Python
    installed under /root, the grader's private 0700 temporary folder); through these
    descriptors (``/proc/self/fd/N``) it reaches them and nothing beside them."""
    if not cfg.get("drop") or not cfg.get("views") or not hasattr(os, "geteuid") \
            or os.geteuid() != 0:
        return {}
    out = {}
    for path in cfg["views"]:
        try:
            out[os.path.abspath(path)] = os.open(path, os.O_RDONLY | os.O_DIRECTORY
                                                 | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            pass
    return out


def _use_views(views: dict):
    """After the drop: keep the descriptors of the folders the new user cannot reach by
    path, and point ``sys.path`` and the packages already imported at them. Returns the
    function mapping a path to the one to use."""
    mapping = {}
    for path, fd in views.items():
        if os.access(path, os.R_OK | os.X_OK):
            os.close(fd)
        else:
            mapping[path] = f"/proc/self/fd/{fd}"
    if not mapping:
        return lambda p: p
    order = sorted(mapping, key=len, reverse=True)

    def remap(p):
        if not isinstance(p, str):
            return p
        for src in order:
            if p == src or p.startswith(src.rstrip("/") + "/"):
                return mapping[src] + p[len(src):]
        return p
    sys.path[:] = [remap(p) for p in sys.path]
    for module in list(sys.modules.values()):
        path = getattr(module, "__path__", None)
        if isinstance(path, list):
            path[:] = [remap(p) for p in path]
    sys.path_importer_cache.clear()
    return remap


#: Landlock access rights (linux/landlock.h) and their ABI versions.
_LL_EXECUTE, _LL_WRITE_FILE, _LL_READ_FILE, _LL_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_LL_V1 = (1 << 13) - 1        # every file-system right of ABI 1 (remove, make_*: all of them)
_LL_REFER, _LL_TRUNCATE = 1 << 13, 1 << 14
_LL_FILE = _LL_EXECUTE | _LL_WRITE_FILE | _LL_READ_FILE | _LL_TRUNCATE  # rights a file can have
_LL_READ = _LL_EXECUTE | _LL_READ_FILE | _LL_READ_DIR
#: remove_dir, remove_file, make_dir, make_reg, make_sym (no FIFOs, sockets or devices)
_LL_CHANGE = (1 << 4) | (1 << 5) | (1 << 7) | (1 << 8) | (1 << 12)


def _landlock(cfg: dict, remap) -> int:
    """Linux Landlock (kernel 5.13+, unprivileged): from here on this process and its
    children may open only the submission, the Python installation (without the
    grader's packages and the frameworks), a few system library folders and devices
    (read-only) and the working folder (read-write); TCP is refused (ABI 4+), and so
    are signals to processes outside the sandbox and abstract Unix sockets (ABI 6+).
    Enforced by the kernel, native code included. Returns the ABI in force (0: none)."""
    if not sys.platform.startswith("linux") or not cfg.get("landlock"):
        return 0
    import ctypes
    import stat
    import struct

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return 0
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))  # ..._VERSION
    if abi < 1:
        return 0
    handled = _LL_V1 | (_LL_REFER if abi >= 2 else 0) | (_LL_TRUNCATE if abi >= 3 else 0)
    net = 0b11 if abi >= 4 else 0          # bind and connect TCP
    scoped = 0b11 if abi >= 6 else 0       # abstract Unix sockets, signals
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    attr = ctypes.create_string_buffer(struct.pack("QQQ", handled, net, scoped)[:size], size)
    ruleset = libc.syscall(444, attr, ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return 0
    hidden = {os.path.realpath(p) for p in [*cfg.get("deny", ()), *cfg.get("frameworks", {})]}

    def add(path: str, access: int, depth: int = 0) -> None:
        real = os.path.realpath(path)
        if real in hidden:
            return
        if depth < 8 and any(h.startswith(real.rstrip("/") + "/") for h in hidden):
            try:  # a folder holding something hidden: allow what is beside it instead,
                entries = [e.path for e in os.scandir(path)]
            except OSError:
                return
            for entry in entries:
                add(entry, access, depth + 1)
            access = _LL_READ_DIR  # and the listing of names below it (so imports work)
        try:
            fd = os.open(path, getattr(os, "O_PATH", 0) | os.O_CLOEXEC)
        except OSError:
            return
        try:
            if not stat.S_ISDIR(os.fstat(fd).st_mode):
                access &= _LL_FILE
            rule = ctypes.create_string_buffer(struct.pack("=Qi", access & handled, fd), 12)
            libc.syscall(445, ruleset, 1, rule, ctypes.c_uint32(0))  # a PATH_BENEATH rule
        finally:
            os.close(fd)
    change = _LL_CHANGE | _LL_WRITE_FILE | _LL_TRUNCATE | (_LL_REFER if abi >= 2 else 0)
    try:
        add(remap(os.path.abspath(cfg["root"])), _LL_READ)
        add(remap(os.path.abspath(cfg["work"])), _LL_READ | change)
        for path in {*sys.path, *cfg.get("libs", ())}:
            if path and os.path.isdir(path):
                add(path, _LL_READ)
        for path in ("/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/lib32",
                     "/etc/ld.so.cache", "/etc/localtime", "/usr/share/zoneinfo",
                     "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full"):
            if os.path.exists(path):
                add(path, _LL_READ)
        add("/dev/null", _LL_READ_FILE | _LL_WRITE_FILE)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            return 0
        return abi if libc.syscall(446, ruleset, ctypes.c_uint32(0)) == 0 else 0
    finally:
        os.close(ruleset)


def _limit_processes(cfg: dict) -> bool:
    """RLIMIT_NPROC (only effective for a non-root user). Returns whether it holds."""
    try:
        import resource
    except ImportError:
        return False
    if not hasattr(resource, "RLIMIT_NPROC") or os.getuid() == 0:
        return False
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (cfg["processes"], cfg["processes"]))
    except (ValueError, OSError):
        return False
    return True


def _refuse_processes() -> bool:
    """Linux seccomp filter: creating a process fails with EAGAIN (threads still work).

    Used where RLIMIT_NPROC cannot hold (the fallback runner started by root): a
    submission has no reason to start processes, and a fork storm then cannot even
    begin. Returns whether the filter is in place.
    """
    import errno
    import platform

    if not sys.platform.startswith("linux"):
        return False
    arch = platform.machine()
    if arch == "x86_64":
        audit, calls = 0xC000003E, {"fork": 57, "vfork": 58, "clone": 56, "clone3": 435}
    elif arch in ("aarch64", "arm64"):
        audit, calls = 0xC00000B7, {"clone": 220, "clone3": 435}
    else:
        return False
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, kill = 0x7FFF0000, 0x80000000
    eagain, enosys = 0x00050000 | errno.EAGAIN, 0x00050000 | errno.ENOSYS
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, audit), (ret, 0, 0, kill),   # a foreign ABI: refuse
            (ld, 0, 0, 0), (jge, 0, 1, 0x40000000), (ret, 0, 0, kill)]  # the x32 ABI
    for name in ("fork", "vfork"):
        if name in calls:
            prog += [(jeq, 0, 1, calls[name]), (ret, 0, 0, eagain)]
    prog += [(jeq, 0, 1, calls["clone3"]), (ret, 0, 0, enosys),   # libc falls back to clone
             (jeq, 1, 0, calls["clone"]), (ret, 0, 0, allow),
             (ld, 0, 0, 16), (jset, 0, 1, 0x00010000),            # CLONE_THREAD: a thread
             (ret, 0, 0, allow), (ret, 0, 0, eagain)]
    return _install_filter(prog)


def _install_filter(prog) -> bool:
    """Install a seccomp BPF program (a list of (code, jt, jf, k)) on this process and
    everything it starts; it cannot be removed. Returns whether it is in place."""
    import struct

    try:
        import ctypes

        code = b"".join(struct.pack("HBBI", *ins) for ins in prog)
        buf = ctypes.create_string_buffer(code, len(code))

        class _Prog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
        fprog = _Prog(len(prog), ctypes.addressof(buf))
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            return False
        return libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0  # PR_SET_SECCOMP, FILTER
    except (OSError, AttributeError, ImportError):
        return False


#: System calls no submission needs whose effects outlive the worker or reach other
#: workers: kernel keyrings (kept per user and per session, across runs), POSIX message
#: queues (kept per IPC namespace, i.e. shared by the workers of one box), device, FIFO
#: and socket nodes made with mknod (a FIFO planted where the grader reads hangs it), and
#: io_uring (file operations that bypass these filters).
DENIED_SYSCALLS = {
    "x86_64": {"add_key": 248, "request_key": 249, "keyctl": 250, "mq_open": 240,
               "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244,
               "mq_getsetattr": 245, "mknod": 133, "mknodat": 259, "io_uring_setup": 425,
               "io_uring_enter": 426, "io_uring_register": 427},
    "aarch64": {"add_key": 217, "request_key": 218, "keyctl": 219, "mq_open": 180,
                "mq_unlink": 181, "mq_timedsend": 182, "mq_timedreceive": 183, "mq_notify": 184,
                "mq_getsetattr": 185, "mknodat": 33, "io_uring_setup": 425,
                "io_uring_enter": 426, "io_uring_register": 427},
}


#: System V IPC objects outlive the worker in the machine's IPC namespace (the fallback's:
#: nothing removes them there; bubblewrap's boxes have their own, wiped between workers).
SYSV_GET = {"x86_64": {"shmget": 29, "semget": 64, "msgget": 68},
            "aarch64": {"msgget": 186, "semget": 190, "shmget": 194}}


def _deny_syscalls(sysv: bool = False) -> bool:
    """Linux seccomp filter: the calls in DENIED_SYSCALLS (and, with ``sysv``, getting a
    System V IPC object) fail with EPERM (x86-64 and arm64; other ABIs of the same
    kernel, e.g. 32-bit calls on x86-64, kill the process). Returns whether the filter
    is in place."""
    import errno
    import platform

    if not sys.platform.startswith("linux"):
        return False
    arch = platform.machine()
    arch = "aarch64" if arch == "arm64" else arch
    audit = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}.get(arch)
    if audit is None:
        return False
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    allow, kill, eperm = 0x7FFF0000, 0x80000000, 0x00050000 | errno.EPERM
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, audit), (ret, 0, 0, kill),   # a foreign ABI: refuse
            (ld, 0, 0, 0)]
    if arch == "x86_64":
        prog += [(jge, 0, 1, 0x40000000), (ret, 0, 0, kill)]  # the x32 ABI
    denied = dict(DENIED_SYSCALLS[arch], **(SYSV_GET[arch] if sysv else {}))
    for nr in sorted(denied.values()):
        prog += [(jeq, 0, 1, nr), (ret, 0, 0, eperm)]
    prog += [(ret, 0, 0, allow)]
    return _install_filter(prog)


def _die_with_parent(parent) -> None:
    """Linux: be killed when the grader's process (the thread that started us) dies,
    even if it is killed without a chance to clean up."""
    if not sys.platform.startswith("linux") or not parent:
        return
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


def _become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap() -> None:
    """Collect the exit status of processes the student's code left behind."""
    if not hasattr(os, "WNOHANG"):
        return
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        except OSError:
            return
        if pid == 0:
            return


_HELPERS: list = []


def _load_helpers():
    if _HELPERS:  # a worker forked by the fork server (loaded there, before any student)
        return _HELPERS[0]
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("_grader_wire", os.path.join(here, "wire.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _HELPERS[:] = [mod]
    return mod


def _load_drivers(cfg: dict):
    """The assignment's drivers (``cfg["drivers"]``: the source of a standalone module,
    numpy and the standard library only), compiled before any student code runs; None
    when the assignment has none."""
    source = cfg.get("drivers")
    if not source:
        return None
    import types

    module = types.ModuleType("_grader_drivers")
    module.__file__ = "<assignment drivers>"
    sys.modules["_grader_drivers"] = module  # (dataclasses and pickling look it up)
    exec(compile(source, "<assignment drivers>", "exec"), module.__dict__)  # noqa: S102
    return module


def _student_trace(exc: BaseException, root: str) -> str:
    """The traceback restricted to frames in the submission's own files."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.startswith("<cell") or os.path.abspath(f.filename).startswith(root)]
    lines = [f'  File "{f.filename if f.filename.startswith("<") else os.path.basename(f.filename)}", line {f.lineno}, in {f.name}\n'
             + (f"    {f.line}\n" if f.line else "") for f in frames[-4:]]
    return "".join(lines)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    if isinstance(exc, KeyboardInterrupt):
        return "raised KeyboardInterrupt"
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        text = "(an exception whose message could not be shown)"
    if len(text) > 500:
        text = text[:500] + "..."
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


class Worker:
    def __init__(self, root: str, wire, drivers, info: dict):
        self.root = os.path.abspath(root)
        self.wire = wire
        self.drivers = drivers
        self.info = info
        self.modules: dict = {}

    def _failure(self, exc: BaseException) -> dict:
        kind = "forbidden" if _attempts else "exception"
        reply = {"ok": False, "kind": kind, "error": _describe(exc),
                 "trace": _student_trace(exc, self.root)}
        if _attempts:
            reply["forbidden"] = sorted(set(_attempts))
        return reply

    def op_hello(self, req):
        import numpy
        return {"ok": True, "numpy": numpy.__version__, "pid": os.getpid(), **self.info}

    def op_load(self, req):
        out = {}
        for name in req["modules"]:
            path = os.path.join(self.root, name + ".py")
            if not os.path.isfile(path):
                out[name] = {"status": "missing"}
                continue
            del _attempts[:]
            try:
                module = importlib.import_module(name)
            except BaseException as exc:  # noqa: BLE001 - everything is reported
                out[name] = {"status": "forbidden" if _attempts else "error",
                             "error": _describe(exc), "trace": _student_trace(exc, self.root),
                             "forbidden": sorted(set(_attempts))}
                continue
            self.modules[name] = module
            names = {}
            for attr, value in list(vars(module).items()):
                if not isinstance(attr, str) or attr.startswith("_"):
                    continue
                names[attr] = "class" if isinstance(value, type) else (
                    "callable" if callable(value) else "other")
            out[name] = {"status": "ok", "names": names}
        return {"ok": True, "modules": out}

    def _target(self, req):
        module = self.modules.get(req["module"])
        if module is None:
            raise LookupError(f"module {req['module']} is not loaded")
        return getattr(module, req["name"])

    def op_call(self, req):
        import numpy as np
        fn = self._target(req)
        args = self.wire.decode(req.get("args", []))
        kwargs = self.wire.decode(req.get("kwargs", {}))
        for key, seed in (req.get("rngs") or {}).items():
            gen = np.random.default_rng(int(seed))
            if isinstance(key, str) and key.isdigit():
                args[int(key)] = gen
            else:
                kwargs[key] = gen
        del _attempts[:]
        try:
            value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            return self._failure(exc)
        return self._reply_value(value)

    def op_drive(self, req):
        """Run one of the assignment's drivers (``DRIVERS[req["driver"]]``) on the
        student's function or class: ``driver(target, payload, wire)``."""
        table = getattr(self.drivers, "DRIVERS", None) or {}
        driver = table.get(req.get("driver"))
        if driver is None:
            return {"ok": False, "kind": "protocol",
                    "error": f"the assignment has no driver {req.get('driver')!r}"}
        target = self._target(req)
        payload = self.wire.decode(req.get("payload"))
        del _attempts[:]
        try:
            value = driver(target, payload, self.wire)
        except BaseException as exc:  # noqa: BLE001
            return self._failure(exc)
        return self._reply_value(value)

    def _reply_value(self, value):
        try:
            return {"ok": True, "value": self.wire.encode(value)}
        except self.wire.WireError as exc:
            return {"ok": False, "kind": "unsupported", "error": f"returned {exc}"}
        except BaseException as exc:  # noqa: BLE001 - e.g. a lying __array__
            return {"ok": False, "kind": "unsupported",
                    "error": f"returned a value that could not be read ({_describe(exc)})"}


def main(argv) -> int:
    cfg = json.loads(argv[1])
    if cfg.get("shared_box"):
        return _fork_server(cfg)
    return serve(cfg)


def serve(cfg: dict) -> int:
    """Answer the grader's requests on stdin/stdout until it closes stdin."""
    # The protocol uses private copies of stdin/stdout; whatever the student's code
    # writes to fd 1 or 2 ends up on stderr, which the grader caps.
    proto_in, proto_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    _limit(cfg)
    root = os.path.abspath(cfg["root"])
    if os.path.isdir(cfg["work"]):
        os.chdir(cfg["work"])
    # Only the submission, the standard library and numpy are importable.
    here = os.path.dirname(os.path.abspath(__file__))
    stdlib = [p for p in sys.path if p and not os.path.abspath(p).startswith(here)]
    sys.path[:] = [root] + [p for p in cfg.get("libs", ()) if p not in stdlib] + stdlib
    sys.dont_write_bytecode = True
    # Everything of the grader's the worker runs is loaded before it drops root: after
    # that it needs no file of the grader's (which its new user may not be able to read).
    wire = _load_helpers()
    drivers = _load_drivers(cfg)
    if cfg.get("forbidden") is not None:
        FORBIDDEN.clear()
        FORBIDDEN.update({str(k): str(v) for k, v in dict(cfg["forbidden"]).items()})
    import numpy.random  # noqa: F401  (numpy, warmed up before the student's code runs)
    views = _open_views(cfg)
    _drop_privileges(cfg)
    remap = _use_views(views)
    root = remap(root)
    sys.path[0] = root
    if views:
        os.environ["HOME"] = os.environ["TMPDIR"] = remap(os.path.abspath(cfg["work"]))
    _die_with_parent(cfg.get("parent"))  # (after the drop, which clears it)
    info = {"uid": os.getuid() if hasattr(os, "getuid") else None,
            "nproc": _limit_processes(cfg), "subreaper": _become_subreaper(), "no_fork": False,
            "denied": _deny_syscalls(sysv=bool(cfg.get("deny_sysv")))}
    if cfg.get("no_fork"):
        info["no_fork"] = _refuse_processes()
        info["nproc"] = info["nproc"] or info["no_fork"]
    info["landlock"] = _landlock(cfg, remap)
    sys.meta_path.insert(0, _Blocker())
    sys.addaudithook(Policy(cfg))
    cap = int(cfg.get("output_bytes", 65536))
    sys.stdout = _Capped(1, cap, "<stdout>")
    sys.stderr = _Capped(2, cap, "<stderr>")
    worker = Worker(root, wire, drivers, info)

    def handle(req) -> dict:
        op = req.get("op") if isinstance(req, dict) else None
        handler = getattr(worker, f"op_{op}", None)
        try:
            reply = handler(req) if handler else {"ok": False, "kind": "protocol",
                                                  "error": f"unknown op {op!r}"}
        except BaseException as exc:  # noqa: BLE001 - a broken request or a vanished name
            reply = {"ok": False, "kind": "exception", "error": _describe(exc),
                     "trace": _student_trace(exc, root)}
        _reap()
        reply["dropped"] = _Output.dropped
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001, S110 - the student may have replaced them
            pass
        return reply

    def send(reply) -> None:
        try:
            wire.send(proto_out, reply)
        except (TypeError, ValueError):
            wire.send(proto_out, {"ok": False, "kind": "unsupported",
                                  "error": "returned a value that could not be sent"})

    # One request at a time, read exactly (no read-ahead): requests the grader pipelines
    # (Sandbox.pipeline) wait in the pipe, never in this process's memory, until their turn.
    while True:
        try:
            req = wire.recv(proto_in)
        except EOFError:
            return 0
        op = req.get("op")
        send(handle(req))
        if op == "bye":
            return 0


# -- the fork server (a shared bubblewrap box, see grader/sandbox/shared_box.py) ------------------

def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _fork_server(cfg: dict) -> int:
    """Serve forks of a worker with numpy already imported, one submission at a time.

    Runs as root inside the box (bubblewrap started by root) and never runs student
    code: each forked worker drops to its own unprivileged user before it loads the
    submission, so it cannot signal, trace or read this process. Requests come on a
    Unix socket (``control_fd``): ``fork`` (with the worker's stdin, stdout and stderr
    attached) and ``reset``, which kills every other process in the box and empties
    its writable places; ``exit`` notices report how each forked worker ended.
    """
    import socket

    libc = _libc()
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: no ptrace, no /proc/<pid>/mem
    ctl = socket.socket(fileno=int(cfg["control_fd"]))
    sys.path += [p for p in cfg.get("libs", ()) if p not in sys.path]
    import numpy.random  # noqa: F401  (what every worker needs, imported once)

    _load_helpers()
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
                    _forked(ctl, fds, req["cfg"])
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
            tell({"ok": False, "why": _describe(exc)})


def _forked(ctl, fds, cfg) -> None:
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
            os.write(2, f"the worker failed to start: {_describe(exc)}\n".encode())
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


if __name__ == "__main__":
    sys.exit(main(sys.argv))
