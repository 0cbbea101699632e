"""The worker's policy: what the student's code may import, open, run and signal.

Two layers, installed by ``worker.serve`` before any student code runs: an import
blocker (:class:`Blocker`, first on ``sys.meta_path``: a first line the student's code
could remove) and an audit hook (:class:`Policy`, which cannot be removed) refusing
the forbidden packages (the assignment's, :data:`FORBIDDEN`), the grader's own code,
files outside the submission and the Python installation, writes outside the working
folder, other programs, the network and signals to foreign processes. Under the
fallback runner the audit hook is the file system's last line when the kernel has no
Landlock; under bubblewrap it is a second layer.

Runs inside the worker: standalone (standard library only), loaded by path by
``worker.py``; never imported by the grader.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
import threading

#: {package: what to call it}: what the assignment forbids (set from the configuration).
FORBIDDEN: dict = {}
PRIVATE = {"solutions", "grader", "tests", "conftest"}
#: The forbidden packages the student's code tried to import (the worker reads and
#: clears it around each call).
attempts: list[str] = []


def forbidden_error(top: str) -> ImportError:
    attempts.append(top)
    return ImportError(
        f"importing {top} is not allowed in this assignment: implement it with numpy "
        f"only ({FORBIDDEN[top]} is what the grader compares you against)")


def check_import(fullname: str) -> None:
    top = fullname.partition(".")[0]
    if top in FORBIDDEN:
        raise forbidden_error(top)
    if top in PRIVATE:
        raise ImportError(f"module {top!r} is not available to submissions")


class Blocker(importlib.abc.MetaPathFinder):
    """Refuses deep-learning frameworks and the grader's own code (first line; the
    audit hook below is the one that cannot be removed)."""

    def find_spec(self, fullname, path=None, target=None):
        check_import(fullname)


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
                raise forbidden_error(name)
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
            check_import(args[0])
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
