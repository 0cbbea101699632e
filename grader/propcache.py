"""The examples of every property check, drawn once per process.

A property check runs the student's code on the examples hypothesis draws from the
check's strategy, ``derandomize=True`` and no database: they depend only on the
strategy and the budget, never on the student (see
:func:`grader.checking.run_property`). Drawing them costs more than running the
student's code on them, so they are drawn the first time a check needs them and kept
for the rest of the process: a grading process that grades many submissions draws
each property's examples once. The same examples in every process, so keeping them
changes nothing but the time.
"""

from __future__ import annotations

import copy
import threading

import numpy as np

_cache: dict = {}
_lock = threading.Lock()
stats = {"drawn": 0, "reused": 0}


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
                code.co_filename, code.co_firstlineno, cells,
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
    where = (code.co_filename, code.co_firstlineno, code.co_name) if code else type(body).__qualname__
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
    drawn = tuple(draw_examples(strategy, max_examples))
    stats["drawn"] += 1
    if k is not None:
        with _lock:
            drawn = _cache.setdefault(k, drawn)
    return drawn


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
