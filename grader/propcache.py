"""The examples of every property check, drawn once per process.

A property check runs the student's code on the examples hypothesis draws from the
check's strategy, ``derandomize=True`` and no database: they depend only on the
strategy and the budget, never on the student (see
:func:`grader.checking.run_property`). Drawing them costs more than running the
student's code on them, so they are drawn the first time a check needs them and kept
for the rest of the process: a grading process that grades many submissions draws
each property's examples once. The same examples in every process, so keeping them
changes nothing but the time.

They are also kept on disk (:func:`cache_dir`: ``$GRADER_CACHE_DIR``, else the user's
cache folder; an empty ``GRADER_CACHE_DIR`` turns it off), one JSON file per property,
keyed by the property and the versions of hypothesis, numpy and Python: the next
grading process, batch or ``grader check`` reads them instead of drawing them again.
Only examples that come back exactly (``wire.same``: types, array bytes, the sign of
zeros) are kept; the file holds plain data (``wire``), nothing is unpickled, and a
file that cannot be read is ignored (the examples are drawn again).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import platform
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

_cache: dict = {}
_lock = threading.Lock()
stats = {"drawn": 0, "reused": 0, "loaded": 0}


def _fingerprint(obj, depth: int = 5):
    """A hashable description of a strategy or function, closures included (a mapped
    strategy's repr hides the shape and dtype its lambda captured)."""
    if depth <= 0:
        return type(obj).__qualname__
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, complex)):
        return repr(obj)
    if isinstance(obj, (tuple, list, frozenset, set)):
        items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
        return (type(obj).__name__, tuple(_fingerprint(x, depth - 1) for x in items))
    if isinstance(obj, dict):
        return ("dict", tuple((repr(k), _fingerprint(v, depth - 1)) for k, v in obj.items()))
    code = getattr(obj, "__code__", None)
    if code is not None:  # a function: where it is defined, and what it captured
        cells = tuple(_fingerprint(c.cell_contents, depth - 1) if _filled(c) else "<empty>"
                      for c in (obj.__closure__ or ()))
        return ("fn", getattr(obj, "__module__", ""), getattr(obj, "__qualname__", ""),
                os.path.basename(code.co_filename), code.co_firstlineno, cells,
                _fingerprint(obj.__defaults__ or (), depth - 1))
    try:
        from hypothesis.strategies import SearchStrategy
    except ImportError:  # pragma: no cover
        SearchStrategy = ()
    if isinstance(obj, SearchStrategy):
        parts = [type(obj).__qualname__, repr(obj)]
        for attr in ("function", "definition", "_transformations", "args", "kwargs",
                     "_LazyStrategy__args", "_LazyStrategy__kwargs", "mapped_strategy", "pack",
                     "element_strategies", "elements", "min_size", "max_size"):
            if hasattr(obj, attr):
                parts.append((attr, _fingerprint(getattr(obj, attr), depth - 1)))
        return tuple(parts)
    if hasattr(obj, "__dataclass_fields__") or isinstance(obj, type):
        return (type(obj).__qualname__, repr(obj))
    if type(obj).__module__ == "numpy":  # dtypes, scalars
        return ("numpy", repr(obj))
    return type(obj).__qualname__  # e.g. the check's Context: differs per submission, not a key


def _filled(cell) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:
        return False
    return True


def key(strategy, body, max_examples: int):
    """What decides the examples: the strategy (with what its functions captured) and
    the budget. The body's code location is added as a guard (its closure is not: it
    holds the submission's context)."""
    code = getattr(body, "__code__", None)
    where = ((os.path.basename(code.co_filename), code.co_firstlineno, code.co_name) if code
             else type(body).__qualname__)
    try:
        return (_fingerprint(strategy), where, int(max_examples))
    except Exception:  # noqa: BLE001 - an odd strategy: just don't keep it
        return None


def examples(strategy, body, max_examples: int) -> tuple:
    """The examples of a property check: drawn the first time, then kept."""
    from .checking import draw_examples

    k = key(strategy, body, max_examples)
    found = _cache.get(k) if k is not None else None
    if found is not None:
        stats["reused"] += 1
        return found
    found = _load(k) if k is not None else None
    if found is not None:
        stats["loaded"] += 1
        with _lock:
            return _cache.setdefault(k, found)
    drawn = tuple(draw_examples(strategy, max_examples))
    stats["drawn"] += 1
    if k is not None:
        _save(k, drawn)
        with _lock:
            drawn = _cache.setdefault(k, drawn)
    return drawn


def cache_dir() -> Path | None:
    """Where drawn examples are kept between processes (None: not kept)."""
    configured = os.environ.get("GRADER_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "grader"


def _file(k) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    import hypothesis

    versions = (hypothesis.__version__, np.__version__, platform.python_implementation(),
                sys.version_info[:2], sys.byteorder)
    digest = hashlib.sha256(repr((k, versions)).encode("utf-8")).hexdigest()
    return folder / "examples" / f"{digest[:40]}.json"


def _load(k):
    """The examples kept on disk for key ``k``, or None."""
    from .sandbox import wire

    path = _file(k)
    if path is None:
        return None
    try:
        data = json.loads(path.read_bytes())
        if data.get("key") != repr(k):
            return None
        found = wire.decode(data["examples"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return tuple(found) if type(found) is list else None


def _save(k, drawn: tuple) -> None:
    """Keep ``drawn`` on disk if every example comes back exactly from its encoding."""
    from .sandbox import wire

    path = _file(k)
    if path is None:
        return
    try:
        encoded = wire.encode(list(drawn))
        snapshot = wire.snapshot(list(drawn))
        text = json.dumps({"key": repr(k), "examples": encoded}, allow_nan=True)
        if snapshot is None or not wire.same(wire.decode(json.loads(text)["examples"]), snapshot):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".examples-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)  # whole or not at all, even with processes writing at once
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except (OSError, ValueError, TypeError, RecursionError, wire.WireError):
        return


def copy_example(value):
    """A deep copy of an example (tuples, lists, dicts, arrays and plain values):
    each run gets its own, whatever the check does with it. Faster than copy.deepcopy
    for the shapes examples have."""
    kind = type(value)
    if kind is np.ndarray:
        return value.copy()
    if kind is tuple:
        return tuple(copy_example(v) for v in value)
    if kind is list:
        return [copy_example(v) for v in value]
    if kind is dict:
        return {k: copy_example(v) for k, v in value.items()}
    if value is None or kind in (bool, int, float, str, bytes, complex) or isinstance(value, np.generic):
        return value
    return copy.deepcopy(value)


def example_size(value) -> tuple:
    """How big an example is, for reporting the smallest failing one: how many
    numbers it holds, then the sum of their magnitudes."""
    count, magnitude = 0, 0.0

    def walk(v):
        nonlocal count, magnitude
        if isinstance(v, np.ndarray):
            count += v.size
            if v.size and v.dtype.kind in "biuf":
                total = float(np.abs(v.astype(np.float64)).sum())
                magnitude += total if np.isfinite(total) else 1e308
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, (int, float, np.number)) and not isinstance(v, bool):
            count += 1
            m = abs(float(v))
            magnitude += m if np.isfinite(m) else 1e308
    walk(value)
    return count, magnitude


def clear() -> None:
    with _lock:
        _cache.clear()
    for k in stats:
        stats[k] = 0
