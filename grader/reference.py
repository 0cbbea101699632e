"""The recorded TensorFlow reference: cases with Keras's outputs, read without TensorFlow.

``grader record`` (see :mod:`grader.authoring.record`) runs TensorFlow once on every
case and writes one JSON file per part. Grading reads these files only, so it is
fast, works where TensorFlow is not installed, and gives the same numbers on every
machine. The project's tests re-run TensorFlow and check that the files still agree
with it.

A case holds plain data only (wire-encoded arrays): its ``inputs``, Keras's
``expected`` outputs, accepted ``variants`` (e.g. the textbook epsilon placement)
and the outputs of known ``mistakes`` (used to name a student's mistake).

Every recorded file (this reference, the property examples of
:mod:`grader.examples_data`, the time budgets) is read by :func:`read_regular`: a
regular file only, of bounded size, never blocking on it.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import AuthoringError
from .sandbox import wire

#: Largest recorded file read by default (bytes).
MAX_FILE_BYTES = 64 * 1024 * 1024


def data_dir(assignment: str, root: Path | None = None) -> Path:
    """The folder of ``assignment``'s recorded reference: ``root/<assignment>`` when a
    root is given (or ``$GRADER_REFERENCE_DIR``), else the package's ``reference/``."""
    root = root or os.environ.get("GRADER_REFERENCE_DIR")
    if root:
        return Path(root) / assignment
    from .assignments import get

    return get(assignment).data_dir


@dataclass(frozen=True)
class Case:
    id: str
    inputs: dict
    expected: dict
    tags: tuple = ()
    variants: dict = field(default_factory=dict)
    mistakes: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        """How big the case is (for showing the smallest failing one)."""
        import numpy as np

        def count(v):
            if isinstance(v, np.ndarray):
                return v.size
            if isinstance(v, dict):
                return sum(count(x) for x in v.values())
            if isinstance(v, (list, tuple)):
                return sum(count(x) for x in v) + len(v)
            return 1
        return count(self.inputs)


class Recorded(Mapping):
    """A recorded case's ``variants`` or ``mistakes``, decoded when first used.

    They are most of a reference file (every known mistake's outputs on every case),
    and only a failing check looks at them: decoding them all when the file was read
    was most of the time spent reading the reference. They are kept as compact JSON
    text (the parsed JSON would be tens of thousands of objects for the garbage
    collector to walk, and to free at exit) and decoded (and checked) as
    :func:`grader.sandbox.wire.decode` decodes, once; malformed, they are the same
    AuthoringError as a malformed file, when a check needs them."""

    __slots__ = ("_file", "_text", "_value")

    def __init__(self, raw, file: str = ""):
        if type(raw) is not dict:
            raise TypeError("variants and mistakes are not objects")
        self._text = json.dumps(raw, separators=(",", ":")) if raw else "{}"
        self._value, self._file = None, file

    def _decoded(self) -> dict:
        value = self._value
        if value is None:
            try:
                value = wire.decode(json.loads(self._text))
                if type(value) is not dict:
                    raise TypeError("not an object")
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
                raise AuthoringError(f"the recorded reference {self._file} is malformed "
                                     f"({str(exc)[:200]}); run `grader record`") from None
            self._value = value
        return value

    def __getitem__(self, key):
        return self._decoded()[key]

    def __iter__(self):
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def __repr__(self) -> str:
        return repr(self._decoded())


def path_for(assignment: str, part_id: str, hidden: bool, root: Path | None = None) -> Path:
    return data_dir(assignment, root) / f"{part_id}{'.hidden' if hidden else ''}.json"


def read_regular(path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes, read
    without ever blocking on it (a FIFO, a device, a socket or a symbolic link under
    that name is refused); OSError otherwise (FileNotFoundError when it is absent)."""
    path = os.fspath(path)
    before = os.lstat(path)
    if not stat.S_ISREG(before.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", path)
    if before.st_size > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes", path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            raise OSError(errno.EINVAL, "the file changed while it was opened", path)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise OSError(errno.EFBIG, f"larger than {limit} bytes", path)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


@lru_cache(maxsize=128)
def _load(path: str):
    """A recorded file, read by :func:`read_regular` (a regular file only, never
    blocking on it) and validated; AuthoringError otherwise."""
    try:
        doc = json.loads(read_regular(path, 256 * 1024 * 1024).decode("utf-8"))
        cases = tuple(Case(id=c["id"], tags=tuple(c.get("tags", ())), inputs=wire.decode(c["inputs"]),
                           expected=wire.decode(c["expected"]),
                           variants=Recorded(c.get("variants", {}), os.path.basename(path)),
                           mistakes=Recorded(c.get("mistakes", {}), os.path.basename(path)))
                      for c in doc["cases"])
        meta = doc.get("meta", {})
    except OSError as exc:
        raise AuthoringError(f"the recorded reference {os.path.basename(path)} cannot be read "
                             f"({exc.strerror or exc})") from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise AuthoringError(f"the recorded reference {os.path.basename(path)} is malformed "
                             f"({str(exc)[:200]}); run `grader record`") from None
    return meta, cases


def load_cases(assignment: str, part_id: str, hidden: bool = False) -> tuple[Case, ...] | None:
    """The recorded cases of a part, or None when none are recorded (e.g. hidden cases
    in a student bundle). Anything else than a regular file under that name is an
    AuthoringError, never "not recorded"."""
    path = path_for(assignment, part_id, hidden)
    if not os.path.lexists(path):
        return None
    return _load(str(path))[1]


def save_cases(assignment: str, part_id: str, hidden: bool, cases, meta: dict, root=None) -> Path:
    path = path_for(assignment, part_id, hidden, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"meta": meta, "cases": [
        {"id": c.id, "tags": list(c.tags), "inputs": wire.encode(c.inputs),
         "expected": wire.encode(c.expected), "variants": wire.encode(dict(c.variants)),
         "mistakes": wire.encode(dict(c.mistakes))} for c in cases]}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    _load.cache_clear()
    return path
