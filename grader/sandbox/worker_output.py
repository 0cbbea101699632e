"""The worker's capped output: ``sys.stdout`` and ``sys.stderr`` of the student's code.

Whatever the student's code prints goes to fd 2 (the grader drains and caps it
again) until the cap, then is only counted (:class:`Output`): a print loop cannot
fill the grader's memory nor slow it down.

Runs inside the worker: standalone (standard library only), loaded by path by
``worker.py``; never imported by the grader.
"""

from __future__ import annotations

import io
import os


class Output:
    """What the student's code wrote to stdout and stderr: kept, and dropped past the cap."""

    written = 0
    dropped = 0


def write_capped(fd: int, cap: int, data: bytes) -> None:
    room = cap - Output.written
    if room > 0:
        chunk = memoryview(data[:room])
        Output.written += len(chunk)
        while chunk:
            try:
                n = os.write(fd, chunk)
            except OSError:
                break
            chunk = chunk[n:]
    Output.dropped += max(0, len(data) - max(room, 0))


class CappedBytes(io.RawIOBase):
    """``sys.stdout.buffer``: the same cap, for bytes."""

    def __init__(self, fd: int, cap: int):
        self._fd, self._cap = fd, cap

    def writable(self):
        return True

    def fileno(self):
        return self._fd

    def write(self, b):
        data = bytes(b)
        write_capped(self._fd, self._cap, data)
        return len(data)


class Capped(io.TextIOBase):
    """sys.stdout/sys.stderr: writes to fd 2 until the cap, then only counts."""

    def __init__(self, fd: int, cap: int, name: str):
        self._fd, self._cap, self._name = fd, cap, name
        self._buffer = CappedBytes(fd, cap)

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
        write_capped(self._fd, self._cap, s.encode("utf-8", "replace"))
        return len(s)
