"""Replay hypothesis's examples across submissions (batch grading).

A property check runs hypothesis with ``derandomize=True`` and no database, so the
examples it generates depend only on the strategy and the budget, as long as every
example passes: every student who passes sees the same inputs. Drawing them costs
more than running the student's code on them, so a grading process that grades many
submissions records each property's examples once and afterwards *replays* them:

- every replayed example passes: the property passes, as hypothesis would have said;
- the student's code raises, times out or crashes on one: the check fails on that
  example, exactly as :func:`grader.checking.run_hypothesis` reports it (it stops at
  the first such example too);
- anything else fails: hypothesis runs as usual (it generates the same examples up to
  that one, then shrinks), so the failing example and message are hypothesis's own.

Only ``grade`` installs it (:func:`install`, in each grading process); ``check``
grades one submission and gains nothing from it.
"""

from __future__ import annotations

import copy
import threading

_cache: dict = {}
_lock = threading.Lock()
stats = {"replayed": 0, "recorded": 0, "fell_back": 0}


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
    except Exception:  # noqa: BLE001 - an odd strategy: just don't cache it
        return None


def cached(run_property):
    """Wrap :func:`grader.checking.run_property` with the replay cache."""
    if getattr(run_property, "_replaying", False):
        return run_property

    def replaying(strategy, body, *, max_examples: int, describe) -> None:
        k = key(strategy, body, max_examples)
        examples = _cache.get(k) if k is not None else None
        if examples is not None:
            if _replay(examples, body, describe):
                stats["replayed"] += 1
                return
            stats["fell_back"] += 1
        seen = []

        def recording(example):
            seen.append(copy.deepcopy(example))
            return body(example)

        run_property(strategy, recording, max_examples=max_examples, describe=describe)
        if k is not None:  # it passed: these are the examples every passing student sees
            with _lock:
                _cache.setdefault(k, tuple(seen))
            stats["recorded"] += 1

    replaying._replaying = True
    replaying.__wrapped__ = run_property
    replaying.__doc__ = run_property.__doc__
    return replaying


def _replay(examples, body, describe) -> bool:
    """True when every example passes; raises the check's Failure when the student's
    code raises, times out or crashes (as run_hypothesis does); False otherwise."""
    from .checking import failed_call
    from .results import Example
    from .sandbox.runner import CallFailed

    for ex in examples:
        try:
            body(copy.deepcopy(ex))
        except CallFailed as exc:
            failure = failed_call(exc, "your function")
            failure.message, _, trace = failure.message.partition("\n")
            failure.example = describe(ex)
            if trace:
                failure.example = Example(failure.example.inputs, error=trace)
            raise failure from None
        except Exception:  # noqa: BLE001 - a failure: let hypothesis find and shrink it
            return False
    return True


def install() -> None:
    """Route every property check of this process through the replay cache."""
    from . import checking

    checking.PROPERTY_RUNNER = cached(checking.run_hypothesis)


def clear() -> None:
    with _lock:
        _cache.clear()
    for k in stats:
        stats[k] = 0
