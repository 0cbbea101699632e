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

import os
import re
import shutil
import tempfile
from pathlib import Path

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
    where = Path(where or tempfile.gettempdir())
    removed = []
    try:
        entries = list(os.scandir(where))
    except OSError:
        return removed
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    ns = _namespace()
    for entry in entries:
        m = _NAME.match(entry.name)
        if not m or m["kind"] not in KINDS or (m["ns"] or ns) != ns:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not entry.is_dir(follow_symlinks=False) or (uid is not None and info.st_uid != uid):
            continue
        if _owner_alive(int(m["pid"]), m["start"]):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.name)
    return removed


def remove_own(where: str | os.PathLike | None = None) -> list[str]:
    """Remove every folder this process made (for a process that is about to exit:
    what it was doing when it was stopped may not have unwound)."""
    where = Path(where or tempfile.gettempdir())
    mine = _me()
    removed = []
    try:
        entries = list(os.scandir(where))
    except OSError:
        return removed
    for entry in entries:
        m = _NAME.match(entry.name)
        if m and f"{m['pid']}.{m['start']}.{m['ns'] or _namespace()}" == mine \
                and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    return removed
