"""The worker's confinement: what it does to itself before any student code runs.

In this order (``worker.serve``): resource limits (:func:`limit_resources`); the
descriptors of the folders it needs, opened while still root (:func:`open_views`);
dropping root (:func:`drop_privileges`) and reaching those folders through the
descriptors (:func:`use_views`); dying with the grader (:func:`die_with_parent`);
RLIMIT_NPROC (:func:`limit_processes`); becoming a child subreaper
(:func:`become_subreaper`, and :func:`reap` after each request); seccomp filters
(:func:`deny_syscalls`, :func:`refuse_processes`); the kernel's Landlock
(:func:`landlock`).

Runs inside the worker: standalone (standard library only), loaded by path by
``worker.py``; never imported by the grader.
"""

from __future__ import annotations

import os
import sys


def limit_resources(cfg: dict) -> None:
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


def drop_privileges(cfg: dict) -> None:
    drop = cfg.get("drop")
    if drop and hasattr(os, "geteuid") and os.geteuid() == 0:
        uid, gid = drop
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getuid() == 0 or os.geteuid() == 0:
            raise SystemExit("could not drop root privileges")


def open_views(cfg: dict) -> dict:
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


def use_views(views: dict):
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


def landlock(cfg: dict, remap) -> int:
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


def limit_processes(cfg: dict) -> bool:
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


def refuse_processes() -> bool:
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
    return install_filter(prog)


def install_filter(prog) -> bool:
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


def deny_syscalls(sysv: bool = False) -> bool:
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
    return install_filter(prog)


def die_with_parent(parent) -> None:
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


def become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def reap() -> None:
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
