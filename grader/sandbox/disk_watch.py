"""The disk check of a worker: what it writes, watched by the sandbox's watchdog.

Under bubblewrap the worker's working folder is a tmpfs of its own (its size caps the
bytes, not the files); under the fallback it is a folder in the machine's temporary
folder, shared with everything else. :class:`DiskWatch` notices a drop in free space
or inodes cheaply, and :func:`held` measures what a fallback worker really holds
before it is stopped. Trusted side only.
"""

from __future__ import annotations

import os
import stat

from .limits import MB


class DiskWatch:
    """What a worker writes, checked by the watchdog: the free space and free inodes of
    the file system holding its working folder (``statvfs``, cheap, every tick), against
    what was free when it started. On a file system of its own (bubblewrap's tmpfs) a
    drop is the worker's. On a shared one (the fallback's working folder in the
    machine's temporary folder) a drop over the limits is confirmed by measuring what
    the worker holds (``measure``: its working folder and the deleted files it keeps
    open) before it is stopped, so others' writes never stop a worker; the baseline
    then moves past them."""

    def __init__(self, path: str, max_bytes: int, max_files: int, measure=None):
        self.path, self.max_bytes, self.max_files, self.measure = path, max_bytes, max_files, measure
        st = os.statvfs(path)
        holds = measure() if measure is not None else (0, 0)
        self.base_bytes = st.f_bfree * st.f_frsize + holds[0]
        self.base_files = st.f_ffree + holds[1] if st.f_files else None

    def check(self) -> str:
        """Why the worker must be stopped ('' when it need not)."""
        try:
            st = os.statvfs(self.path)
        except OSError:
            return ""
        free_bytes = st.f_bfree * st.f_frsize
        used_bytes = self.base_bytes - free_bytes
        used_files = self.base_files - st.f_ffree if self.base_files is not None else 0
        if used_bytes <= self.max_bytes and used_files <= self.max_files:
            return ""
        if self.measure is not None:
            held_bytes, held_files = self.measure()
            if held_bytes <= self.max_bytes and held_files <= self.max_files:
                # Someone else's writes: count from here (what the worker holds stays counted).
                self.base_bytes = free_bytes + held_bytes
                if self.base_files is not None:
                    self.base_files = st.f_ffree + held_files
                return ""
            used_bytes, used_files = held_bytes, held_files
        if used_files > self.max_files:
            return f"used too much disk (more than {self.max_files} files and folders)"
        return f"used too much disk (more than {self.max_bytes // MB} MiB)"


def held(work: str, pids, max_bytes: int, max_files: int) -> tuple[int, int]:
    """(bytes, files and folders) held by a fallback worker: in its working folder, and
    the deleted files its processes keep open. Stops counting past the limits; a folder
    it cannot measure (unreadable, nested past what a path can say) counts as over the
    limits (no correct submission makes one, and only a disk that filled up asks)."""
    over = (max_bytes + 1, max_files + 1)
    seen: set = set()
    size = files = 0
    stack = [work]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:  # removed meanwhile
                        continue
                    files += 1
                    if (st.st_dev, st.st_ino) not in seen:
                        seen.add((st.st_dev, st.st_ino))
                        # blocks in use (a sparse file holds little), else its size
                        size += st.st_blocks * 512 if hasattr(st, "st_blocks") else st.st_size
                    if stat.S_ISDIR(st.st_mode):
                        stack.append(entry.path)
                    if files > max_files or size > max_bytes:
                        return size, files
        except OSError:
            return over
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                st = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_nlink == 0 and (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                size += st.st_blocks * 512
    return size, files
