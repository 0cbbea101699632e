"""The recorded examples of every property check, read from the assignment's data.

A property check runs the student's code on examples of its inputs. They are drawn
with hypothesis once, by the instructor (``grader record --examples``, see
:mod:`grader.authoring.record`), and written next to the recorded reference:
``grader/reference_data/<assignment>/<part>.examples.json`` for the public checks
and ``<part>.examples.hidden.json`` for the hidden ones (never in a student bundle,
like the hidden cases). Grading only reads these files: it never draws with
hypothesis, so a submission meets the very same examples, and gets the same score,
whatever versions of Python, numpy and hypothesis grade it.

A file holds, for every check of the part, one entry per property the check runs (in
the order it runs them): the property's ``fingerprint`` (what decides its examples:
see :func:`fingerprint`; a test fails when it no longer matches the code, so a
strategy cannot change without re-recording) and its examples for a few budgets
(``max_examples``: the grader's default and the small ones used for quick runs).
A budget that was not recorded uses the first examples of the smallest recorded
budget above it (or all of the largest).

Values are plain JSON with an exact round trip (:func:`encode`, :func:`decode`):
arrays as little-endian dtype, shape and raw bytes (so -0.0 and NaN payloads come
back), numpy scalars likewise, floats as JSON numbers (``-0.0`` too) or as
``{"float": "nan"}`` when not finite, tuples and dicts tagged. Nothing is pickled
or evaluated. A file is read only if it is a regular file (``lstat``, then a
non-blocking open of that very file: a FIFO or a device planted under its name is
refused, never waited on), of bounded size, and every entry is validated; a missing,
unreadable or malformed file, a property with no examples or an empty list of them,
is an :class:`AuthoringError` (the grader's fault, never a student's 0 and never a
silent pass).
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import copy
import hashlib
import inspect
import json
import math
import os
import threading
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .errors import AuthoringError
from .reference import read_regular

#: Format of the files (bumped when the encoding changes).
FORMAT = 1
#: Budgets recorded for every property: the grader's default, and small ones.
BUDGETS = (25, 8, 5)
#: Largest examples file read (bytes), largest array in it, deepest nesting.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ARRAY_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32
DTYPES = ("float16", "float32", "float64", "bool", "int8", "int16", "int32", "int64",
          "uint8", "uint16", "uint32", "uint64")


# -- exact plain-JSON encoding -----------------------------------------------------------

def encode(value, _depth: int = 0):
    """``value`` as plain JSON data (see the module's docstring); TypeError if it holds
    anything else than None, bool, int, float, str, tuples, lists, dicts with string
    keys, numpy arrays and scalars of a listed dtype."""
    if _depth > MAX_DEPTH:
        raise TypeError("nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is str:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if kind is np.ndarray or isinstance(value, np.generic):
        arr = np.asarray(value)
        if arr.dtype.name not in DTYPES:
            raise TypeError(f"an array of dtype {arr.dtype}")
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        tag = "array" if kind is np.ndarray else "scalar"
        return {tag: [arr.dtype.name, list(arr.shape), base64.b64encode(data).decode("ascii")]}
    if kind is tuple:
        return {"tuple": [encode(v, _depth + 1) for v in value]}
    if kind is list:
        return [encode(v, _depth + 1) for v in value]
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise TypeError("a dict with keys that are not strings")
        return {"dict": {k: encode(v, _depth + 1) for k, v in value.items()}}
    raise TypeError(f"a value of type {kind.__name__}")


def decode(data, _depth: int = 0):
    """Inverse of :func:`encode`; ValueError for anything it did not write."""
    if _depth > MAX_DEPTH:
        raise ValueError("nested too deeply")
    kind = type(data)
    if data is None or kind in (bool, int, str, float):
        return data
    if kind is list:
        return [decode(v, _depth + 1) for v in data]
    if kind is not dict or len(data) != 1:
        raise ValueError(f"unexpected {kind.__name__}")
    (tag, body), = data.items()
    if tag == "float":
        if body not in ("nan", "inf", "-inf"):
            raise ValueError("a bad float")
        return float(body)
    if tag in ("array", "scalar"):
        if type(body) is not list or len(body) != 3:
            raise ValueError("a bad array")
        name, shape, raw = body
        if name not in DTYPES or type(shape) is not list or type(raw) is not str \
                or not all(type(s) is int and 0 <= s for s in shape) or len(shape) > 32:
            raise ValueError("a bad array")
        dtype = np.dtype(name).newbyteorder("<")
        nbytes = dtype.itemsize * math.prod(shape)
        if nbytes > MAX_ARRAY_BYTES or len(raw) > 4 * (nbytes // 3 + 1):
            raise ValueError("an array too large")
        try:
            buf = base64.b64decode(raw.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ValueError("bad array data") from None
        if len(buf) != nbytes:
            raise ValueError("array data does not match its shape")
        arr = np.frombuffer(buf, dtype=dtype).astype(np.dtype(name)).reshape(shape)
        if tag == "scalar":
            if shape:
                raise ValueError("a scalar with a shape")
            return arr[()]
        return arr.copy()
    if tag == "tuple":
        if type(body) is not list:
            raise ValueError("a bad tuple")
        return tuple(decode(v, _depth + 1) for v in body)
    if tag == "dict":
        if type(body) is not dict:
            raise ValueError("a bad dict")
        return {k: decode(v, _depth + 1) for k, v in body.items()}
    raise ValueError(f"unknown tag {tag!r}")


class Decoded(Mapping):
    """A recorded JSON object whose values are decoded (:func:`decode`) when first used,
    each on its own: of a file holding one entry per property example (what a known
    mistake does on it), a run uses only the entries of the examples it meets, and
    decoding the whole file was most of its cost. A malformed value is an
    AuthoringError (``what`` is malformed; ``remedy``) when it is used."""

    __slots__ = ("_done", "_raw", "_remedy", "_what")

    def __init__(self, raw, what: str, remedy: str = ""):
        if type(raw) is not dict:
            raise TypeError(f"{what} is not an object")
        self._raw, self._done, self._what, self._remedy = raw, {}, what, remedy

    def __getitem__(self, key):
        try:
            return self._done[key]
        except KeyError:
            pass
        raw = self._raw[key]
        try:
            value = decode(raw)
        except (ValueError, TypeError, RecursionError) as exc:
            raise AuthoringError(f"{self._what} is malformed ({str(exc)[:200]})"
                                 + (f"; {self._remedy}" if self._remedy else "")) from None
        return self._done.setdefault(key, value)

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def identical(a, b) -> bool:
    """Exactly the same value: same types, dtypes, shapes and bytes, floats by value and
    sign (NaN equal to NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (np.ndarray, np.generic)):
        return a.dtype == b.dtype and np.shape(a) == np.shape(b) and \
            np.asarray(a).tobytes() == np.asarray(b).tobytes()
    if type(a) is float:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if type(a) in (tuple, list):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return list(a) == list(b) and all(identical(a[k], b[k]) for k in a)
    return a == b


def exact_copy(value):
    """``value`` after a trip through the file format, or TypeError/ValueError when it
    would not come back identical."""
    back = decode(json.loads(json.dumps(encode(value), allow_nan=False)))
    if not identical(back, value):
        raise ValueError("an example does not come back identical from its encoding")
    return back


# -- fingerprints ------------------------------------------------------------------------

def _source_hash(fn) -> str:
    try:
        text = inspect.getsource(fn)
    except (OSError, TypeError):
        code = fn.__code__
        text = f"{code.co_name}:{code.co_code.hex()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _describe(obj, depth: int = 6):
    """A description of a strategy (with what its functions captured and their source)
    that does not depend on where its code sits in its file."""
    if depth <= 0:
        return type(obj).__qualname__
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, complex)):
        return repr(obj)
    if isinstance(obj, (tuple, list, frozenset, set)):
        items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
        return (type(obj).__name__, tuple(_describe(x, depth - 1) for x in items))
    if isinstance(obj, dict):
        return ("dict", tuple((repr(k), _describe(v, depth - 1)) for k, v in obj.items()))
    if isinstance(obj, np.ndarray):
        return ("ndarray", obj.dtype.str, obj.shape, hashlib.sha256(obj.tobytes()).hexdigest()[:16])
    code = getattr(obj, "__code__", None)
    if code is not None:
        cells = []
        for cell in obj.__closure__ or ():
            try:
                cells.append(_describe(cell.cell_contents, depth - 1))
            except ValueError:
                cells.append("<empty>")
        return ("fn", getattr(obj, "__module__", ""), getattr(obj, "__qualname__", ""),
                _source_hash(obj), tuple(cells), _describe(obj.__defaults__ or (), depth - 1))
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
                parts.append((attr, _describe(getattr(obj, attr), depth - 1)))
        return tuple(parts)
    if type(obj).__module__ == "numpy":
        return ("numpy", repr(obj))
    return type(obj).__qualname__


def fingerprint(strategy, body) -> str:
    """What decides a property's examples: its strategy (the functions building it, by
    their source, and what they captured) and which check body runs it. Computed by
    the instructor's tools and the tests only, never while grading (it depends on
    hypothesis's internals; a strategy described without hypothesis, see
    :mod:`grader.lazy_hypothesis`, is built first)."""
    from .lazy_hypothesis import real

    strategy = real(strategy)
    where = getattr(body, "__qualname__", type(body).__qualname__)
    text = repr((_describe(strategy), where))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


# -- files ---------------------------------------------------------------------------------

def path_for(assignment: str, part_id: str, hidden: bool, root=None) -> Path:
    from .reference import path_for as reference_path

    ref = reference_path(assignment, part_id, hidden, root)
    return ref.with_name(f"{part_id}.examples{'.hidden' if hidden else ''}.json")


_files: dict = {}
_files_lock = threading.Lock()


def load(assignment: str, part_id: str, hidden: bool) -> dict:
    """``{check name: [entry, ...]}`` of one examples file, validated (cached per file);
    each entry is ``{"fingerprint": str, "examples": {budget: tuple of examples}}``.
    AuthoringError when the file is missing or unusable."""
    path = path_for(assignment, part_id, hidden)
    key = str(path)
    with _files_lock:
        found = _files.get(key)
    if found is not None:
        return found
    what = f"the recorded examples of part {part_id!r}{' (hidden checks)' if hidden else ''}"
    try:
        raw = read_regular(path)
    except FileNotFoundError:
        raise AuthoringError(f"{what} are missing (run `grader record --examples`)") from None
    except OSError as exc:
        raise AuthoringError(f"{what} cannot be read ({exc.strerror or exc})") from None
    try:
        checks = _validate(json.loads(raw.decode("utf-8")))
    except (ValueError, TypeError, KeyError, RecursionError, UnicodeDecodeError) as exc:
        raise AuthoringError(f"{what} are malformed ({str(exc)[:200]}); "
                             "run `grader record --examples`") from None
    with _files_lock:
        return _files.setdefault(key, checks)


def _validate(doc) -> dict:
    if type(doc) is not dict or doc.get("format") != FORMAT or type(doc.get("checks")) is not dict:
        raise ValueError("not an examples file of this grader")
    checks = {}
    for name, entries in doc["checks"].items():
        if type(entries) is not list or not entries:
            raise ValueError(f"check {name!r} has no properties")
        out = []
        for entry in entries:
            if type(entry) is not dict or type(entry.get("fingerprint")) is not str \
                    or type(entry.get("examples")) is not dict or not entry["examples"]:
                raise ValueError(f"check {name!r}: a bad entry")
            budgets = {}
            for budget, examples in entry["examples"].items():
                if not budget.isdigit() or int(budget) < 1:
                    raise ValueError(f"check {name!r}: a bad budget {budget!r}")
                if type(examples) is not list or not examples or len(examples) > int(budget):
                    raise ValueError(f"check {name!r}: budget {budget} holds "
                                     f"{len(examples) if type(examples) is list else 'no'} examples")
                budgets[int(budget)] = tuple(decode(e) for e in examples)
            shapes = {_skeleton(e) for ex in budgets.values() for e in ex}
            if len(shapes) != 1:
                raise ValueError(f"check {name!r}: examples of different structures")
            out.append({"fingerprint": entry["fingerprint"], "examples": budgets})
        checks[name] = tuple(out)
    return checks


def _skeleton(value):
    """The structure of an example (tuples and their lengths; lists and dicts of any
    length and keys), without its numbers: every example of one property has the
    same."""
    kind = type(value)
    if kind is list or kind is dict:
        return kind.__name__
    if kind is tuple:
        return ("tuple", tuple(_skeleton(v) for v in value))
    if kind is np.ndarray:
        return "array"
    if isinstance(value, (int, float, np.generic)) and kind is not bool:
        return "number"
    return kind.__name__


def save(assignment: str, part_id: str, hidden: bool, checks: dict, meta: dict, root=None) -> Path:
    """Write one examples file (whole or not at all)."""
    path = path_for(assignment, part_id, hidden, root)
    doc = {"format": FORMAT, "meta": meta, "checks": {
        name: [{"fingerprint": e["fingerprint"],
                "examples": {str(b): [encode(x) for x in ex] for b, ex in e["examples"].items()}}
               for e in entries]
        for name, entries in checks.items()}}
    text = json.dumps(doc, allow_nan=False, separators=(",", ":"))
    if _validate(json.loads(text)) is None:  # pragma: no cover - _validate raises
        raise ValueError("unreadable")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)
    clear()
    return path


def clear() -> None:
    with _files_lock:
        _files.clear()


# -- which property is running --------------------------------------------------------------

class Scope:
    """The check whose properties are running (set around each check by the engine,
    see :class:`grader.pipelining.Planned`): its part and name, and how many properties it
    has run so far."""

    __slots__ = ("assignment", "part", "check", "hidden", "count")

    def __init__(self, assignment: str, part: str, check: str, hidden: bool):
        self.assignment, self.part, self.check, self.hidden = assignment, part, check, hidden
        self.count = 0


_scope: contextvars.ContextVar = contextvars.ContextVar("grader_check_scope", default=None)

#: Set while recording (:mod:`grader.authoring.record`): called instead of reading the
#: files, as ``recorder(scope, index, strategy, body, budget)`` -> the examples.
_recorder: list = [None]


class scope:
    """``with scope(assignment, part, check, hidden):`` around one check's run."""

    def __init__(self, assignment: str, part: str, check: str, hidden: bool):
        self.value = Scope(assignment, part, check, hidden)
        self.token = None

    def __enter__(self):
        self.token = _scope.set(self.value)
        return self.value

    def __exit__(self, *exc):
        _scope.reset(self.token)
        return False


def examples(strategy, body, max_examples: int) -> tuple:
    """The recorded examples of the property the running check runs next (``strategy``
    is looked at only while recording: it may be a description that grading never
    builds, see :mod:`grader.lazy_hypothesis`)."""
    current = _scope.get()
    if current is None:
        raise AuthoringError("a property check ran outside of a check (no recorded examples "
                             "can be found for it)")
    index, current.count = current.count, current.count + 1
    if _recorder[0] is not None:
        from .lazy_hypothesis import real

        return tuple(_recorder[0](current, index, real(strategy), body, max_examples))
    checks = load(current.assignment, current.part, current.hidden)
    entries = checks.get(current.check)
    if entries is None or index >= len(entries):
        raise AuthoringError(f"check {current.check!r} of part {current.part!r} runs a property "
                             "with no recorded examples (run `grader record --examples`)")
    return pick(entries[index]["examples"], max_examples)


def pick(budgets: dict, max_examples: int) -> tuple:
    """The examples of a budget: recorded, else the first ones of the smallest recorded
    budget above it, else all of the largest."""
    if max_examples in budgets:
        return budgets[max_examples]
    above = [b for b in budgets if b >= max_examples]
    if above:
        return budgets[min(above)][:max_examples]
    return budgets[max(budgets)]


# -- helpers of run_property -----------------------------------------------------------------

def copy_example(value):
    """A deep copy of an example (tuples, lists, dicts, arrays and plain values):
    each run gets its own, whatever the check does with it."""
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
