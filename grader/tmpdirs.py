"""Temporary folders that say who made them, so that a later run can remove those an
interrupted run left behind.

A grading process copies students' code into temporary folders (``grader-sub-*``,
``grader-job-*``, ``grader-work-*``, ``grader-box-*``...). A normal exit or Ctrl-C
removes them; ``kill -9`` or a power loss cannot. Each folder's name therefore holds
its owner: ``grader-<kind>-<pid>.<start>.<ns>-<random>``, where ``<start>`` is the
process's start time (``/proc/<pid>/stat``), so that a reused pid is not mistaken for
the owner, and ``<ns>`` its pid namespace (containers sharing a /tmp see other pids).
:func:`sweep` removes the folders whose owner is gone, and never one whose owner still
runs (a concurrent ``grader grade`` or ``grader check``) or may run in another pid
namespace.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_LOG = logging.getLogger("grader")
#: Seconds one removal of a folder may take (a submission's working folder is bounded
#: by the disk watchdog; a tree left by a crashed run is retried by a later sweep).
REMOVE_SECONDS = 60.0
#: Seconds a whole sweep may take.
SWEEP_SECONDS = 120.0

_NAME = re.compile(r"^grader-(?P<kind>[a-z]+)-(?P<pid>\d+)\.(?P<start>\d+)(?:\.(?P<ns>\d+))?-")
#: The kinds :func:`sweep` removes.
KINDS = ("sub", "job", "work", "box", "notebook", "probe")


def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (None: no such process)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


_MINE: str | None = None


def _namespace() -> str:
    """The inode of this process's pid namespace ("0" where there is none to read)."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "0"


def _me() -> str:
    global _MINE
    pid = os.getpid()
    if _MINE is None or not _MINE.startswith(f"{pid}."):
        _MINE = f"{pid}.{_start_time(pid) or 0}.{_namespace()}"
    return _MINE


def mkdtemp(kind: str, dir: str | os.PathLike | None = None) -> Path:
    """A new private temporary folder ``grader-<kind>-<pid>.<start>-<random>``."""
    return Path(tempfile.mkdtemp(prefix=f"grader-{kind}-{_me()}-", dir=dir))


def _warn(what: str, exc: BaseException | str) -> None:
    """One line for whoever runs the grader; never raises."""
    try:
        why = exc if isinstance(exc, str) else type(exc).__name__
        _LOG.warning("grader: could not remove %s (%s); a later run removes it", what, why)
    except Exception:  # noqa: BLE001, S110 - logging must not break cleanup
        pass


_RM = [True]  # False once rm turned out to be missing


def _rm_command(path: str, timeout: float) -> bool:
    """``rm -rf`` of ``path`` (no recursion in this process and no PATH_MAX limit: rm
    walks with folder descriptors), after making folders writable when not root (a
    student may have made them unwritable or unreadable). Never crosses into another
    file system. Returns whether ``path`` is gone."""
    deadline = time.monotonic() + timeout
    one_fs = "--one-file-system" if sys.platform.startswith("linux") else "-x"
    commands = []
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        commands.append(["chmod", "-R", "u+rwx", "--", path])
    commands.append(["rm", "-rf", one_fs, "--", path])
    for argv in commands:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=left, check=False,
                           env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
        except OSError:  # no such program
            if argv[0] == "rm":
                _RM[0] = False
        except subprocess.SubprocessError:  # out of time
            break
    return not os.path.lexists(path)


def remove_tree(path, timeout: float | None = None, what: str = "a temporary folder") -> bool:
    """Remove the folder ``path`` and everything in it, even folders made unwritable or
    unreadable, nested thousands deep or past PATH_MAX, within ``timeout`` seconds
    (default :data:`REMOVE_SECONDS`). Never raises: a failure is logged in one line
    (without the path) and False returned."""
    timeout = REMOVE_SECONDS if timeout is None else timeout
    path = os.fspath(path)
    try:
        if not os.path.lexists(path):
            return True
        if os.path.islink(path) or not os.path.isdir(path):
            os.unlink(path)
            return True

        if os.name != "nt" and _rm_command(path, timeout):
            return True
        if os.name == "nt" or _RM[0] is False:  # no rm here: Python's own (recursive) removal

            def retry(func, p, _exc):
                try:
                    os.chmod(os.path.dirname(p), stat.S_IRWXU)
                    if func is not os.unlink:
                        os.chmod(p, stat.S_IRWXU)
                    func(p)
                except OSError:
                    pass
            try:
                shutil.rmtree(path, onerror=retry)
            except Exception:  # noqa: BLE001, S110 - RecursionError (deep trees), long paths
                pass
            if not os.path.lexists(path):
                return True
        _warn(what, "it could not be removed in time")
        return False
    except Exception as exc:  # noqa: BLE001 - cleanup never stops the grader
        _warn(what, exc)
        return False


def _owner_alive(pid: int, start: str) -> bool:
    if pid == os.getpid():
        return True
    if not os.path.isdir("/proc/self"):  # not Linux: the pid alone
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True
        return True
    now = _start_time(pid)
    if now is None:
        return False
    return start in ("0", now)  # another start time: the pid was reused, the owner is gone


def sweep(where: str | os.PathLike | None = None) -> list[str]:
    """Remove the grader's temporary folders in ``where`` (default: the temporary folder)
    whose owner process is gone; returns their names. Folders of processes that still
    run, folders of other users and folders named otherwise are left alone."""
    removed: list = []
    try:
        where = Path(where or tempfile.gettempdir())
        entries = list(os.scandir(where))
        uid = os.geteuid() if hasattr(os, "geteuid") else None
        ns = _namespace()
    except Exception:  # noqa: BLE001 - a sweep never stops the grader
        return removed
    deadline = time.monotonic() + SWEEP_SECONDS
    for entry in entries:
        try:
            m = _NAME.match(entry.name)
            if not m or m["kind"] not in KINDS or (m["ns"] or ns) != ns:
                continue
            info = entry.stat(follow_symlinks=False)
            if not entry.is_dir(follow_symlinks=False) or (uid is not None and info.st_uid != uid):
                continue
            if _owner_alive(int(m["pid"]), m["start"]):
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                _warn("old temporary folders", "no time left in this run")
                break
            if remove_tree(entry.path, min(left, REMOVE_SECONDS), "an old temporary folder"):
                removed.append(entry.name)
        except Exception as exc:  # noqa: BLE001 - one bad entry never stops the sweep
            _warn("an old temporary folder", exc)
    return removed


def remove_own(where: str | os.PathLike | None = None) -> list[str]:
    """Remove every folder this process made (for a process that is about to exit:
    what it was doing when it was stopped may not have unwound)."""
    removed: list = []
    try:
        where = Path(where or tempfile.gettempdir())
        mine = _me()
        entries = list(os.scandir(where))
    except Exception:  # noqa: BLE001 - cleanup never stops the grader
        return removed
    for entry in entries:
        try:
            m = _NAME.match(entry.name)
            if m and f"{m['pid']}.{m['start']}.{m['ns'] or _namespace()}" == mine \
                    and entry.is_dir(follow_symlinks=False):
                remove_tree(entry.path)
                removed.append(entry.name)
        except Exception as exc:  # noqa: BLE001
            _warn("a temporary folder", exc)
    return removed
