"""Plain-data encoding shared by the grader and its worker process.

Only JSON crosses the process boundary. numpy arrays travel as
``{"__nd__": [dtype, shape, base64-bytes]}`` with a dtype from a fixed allow-list,
tuples as ``{"__tuple__": [...]}``. Nothing is pickled and nothing is evaluated:
decoding a message can only ever produce dicts, lists, tuples, str, int, float,
bool, None and plain ``numpy.ndarray`` objects. Integers are those of 64 bits (signed
or not): both sides refuse a larger one (``10**400``), which no float and no numpy
integer can hold, so that nothing downstream meets an int it cannot convert.

This module must stay importable on its own (the worker loads it by path, without
the rest of the ``grader`` package): standard library and numpy only.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
import sys

import numpy as np

#: dtypes allowed to cross the boundary (anything else is reported as unsupported).
DTYPES = ("float16", "float32", "float64", "bool", "int8", "int16", "int32", "int64",
          "uint8", "uint16", "uint32", "uint64")
MAX_MESSAGE = 256 * 1024 * 1024
_HEADER = struct.Struct("!I")


class WireError(ValueError):
    """A message that is not valid plain data."""


_NAMES = {np.dtype(name): name for name in DTYPES}  # native byte order only


def _unbase64(text: str) -> bytes:
    """Strict base64 (no stray characters, right padding), as ``b64decode(validate=True)``."""
    if sys.version_info >= (3, 11):
        return binascii.a2b_base64(text, strict_mode=True)
    return base64.b64decode(text.encode(), validate=True)


#: Types passed through as they are (exactly these: subclasses take the slow path).
_PLAIN = (type(None), bool, str, int, float)
#: What encode and decode pass through without a look (ints are checked: see _int).
_FAST = (type(None), bool, str, float)
#: The integers that cross the boundary: any 64-bit integer, signed or unsigned.
INT_MIN, INT_MAX = -(1 << 63), (1 << 64) - 1


def _int(value: int) -> int:
    """``value`` (an exact int) if a 64-bit integer holds it; WireError otherwise."""
    if INT_MIN <= value <= INT_MAX:
        return value
    raise WireError(f"an integer too large ({value.bit_length()} bits; the grader reads "
                    "integers of at most 64 bits)")


def encode(obj, _depth=0):
    """Turn a Python value into JSON-able plain data (raises WireError if it cannot)."""
    if _depth > 32:
        raise WireError("value is nested too deeply")
    kind = type(obj)
    if kind in _FAST:
        return obj
    if kind is int:
        return _int(obj)
    if kind is list:
        return [v if type(v) in _FAST else encode(v, _depth + 1) for v in obj]
    if isinstance(obj, np.generic):
        obj = np.asarray(obj)
    if isinstance(obj, np.ndarray):
        # Viewed as the base class and copied to a plain buffer: an ndarray subclass
        # with lying methods is reduced to its raw data here.
        arr = np.ndarray.view(obj, np.ndarray)
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")
        name = _NAMES.get(arr.dtype)
        if name is None:
            name = arr.dtype.name
            if name not in DTYPES:
                raise WireError(f"an array of dtype {name} (expected a numeric array)")
            arr = arr.astype(np.dtype(name))  # to native byte order
        return {"__nd__": [name, list(arr.shape), base64.b64encode(arr.tobytes()).decode()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [v if type(v) in _FAST else encode(v, _depth + 1) for v in obj]}
    if isinstance(obj, list):
        return [encode(v, _depth + 1) for v in obj]
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise WireError("a dict with non-string keys")
            if k.startswith("__") and k.endswith("__"):
                raise WireError(f"a dict with reserved key {k!r}")
            out[k] = encode(v, _depth + 1)
        return out
    if isinstance(obj, (int, float)):  # int/float subclasses (e.g. bool-like): plain value
        return float(obj) if isinstance(obj, float) else _int(int(obj))
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    raise WireError(f"a value of type {type(obj).__name__}")


def snapshot(obj, _depth=0):
    """A private copy of a value made only of the types :func:`same` compares (tuples,
    lists, dicts with string keys, exact ``ndarray``s of a listed dtype, and plain
    scalars); None if it holds anything else."""
    kind = type(obj)
    if kind in _PLAIN:
        return obj
    if _depth > 32:
        return None
    if kind is np.ndarray:
        return obj.copy() if obj.dtype in _NAMES else None
    if kind is tuple or kind is list:
        out = [snapshot(v, _depth + 1) for v in obj]
        if any(c is None and v is not None for c, v in zip(out, obj)):
            return None
        return tuple(out) if kind is tuple else out
    if kind is dict:
        if not all(type(k) is str for k in obj):
            return None
        out = {k: snapshot(v, _depth + 1) for k, v in obj.items()}
        if any(out[k] is None and obj[k] is not None for k in obj):
            return None
        return out
    return None


def same(a, b) -> bool:
    """Whether :func:`encode` certainly gives the same data for ``a`` as for ``b`` (a
    snapshot); False when unsure. Exact types only; arrays by dtype, shape and bytes;
    floats by value and sign (every NaN encodes alike)."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is np.ndarray:
        name = _NAMES.get(a.dtype)
        return (name is not None and name == _NAMES.get(b.dtype) and a.shape == b.shape
                and a.tobytes() == b.tobytes())
    if kind is float:
        if a == b:
            return a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b)
        return math.isnan(a) and math.isnan(b)
    if kind is int or kind is str or kind is bool or a is None:
        return a == b
    if kind is tuple or kind is list:
        return len(a) == len(b) and _same_items(zip(a, b))
    if kind is dict:
        return (all(type(k) is str for k in a) and list(a) == list(b)
                and _same_items((a[k], b[k]) for k in a))
    return False


def _same_items(pairs) -> bool:
    """:func:`same` over pairs, with plain scalars compared inline (the common case:
    long lists of floats)."""
    copysign, isnan = math.copysign, math.isnan
    for x, y in pairs:
        kind = type(x)
        if kind is not type(y):
            return False
        if kind is float:
            if x == y:
                if x == 0.0 and copysign(1.0, x) != copysign(1.0, y):
                    return False
            elif not (isnan(x) and isnan(y)):
                return False
        elif kind is int or kind is str or kind is bool or x is None:
            if x != y:
                return False
        elif kind is np.ndarray:  # (same() inlined: long lists of arrays are common too)
            name = _NAMES.get(x.dtype)
            if name is None or name != _NAMES.get(y.dtype) or x.shape != y.shape \
                    or x.tobytes() != y.tobytes():
                return False
        elif not same(x, y):
            return False
    return True


def decode(obj, _depth=0):
    """Inverse of :func:`encode`; validates everything it builds."""
    if _depth > 40:
        raise WireError("value is nested too deeply")
    kind = type(obj)
    if kind in _FAST:
        return obj
    if kind is int:
        return _int(obj)
    if kind is list:
        return [v if type(v) in _FAST else decode(v, _depth + 1) for v in obj]
    if kind is dict:
        if "__nd__" in obj:
            dtype, shape, data = obj["__nd__"]
            if dtype not in DTYPES:
                raise WireError(f"dtype {dtype!r} not allowed")
            if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
                raise WireError("bad array shape")
            raw = _unbase64(data)
            dt = np.dtype(dtype)
            if len(raw) != dt.itemsize * math.prod(shape):
                raise WireError("array data does not match its shape")
            return np.frombuffer(raw, dtype=dt).reshape(shape).copy()
        if "__tuple__" in obj:
            return tuple([v if type(v) in _FAST else decode(v, _depth + 1) for v in obj["__tuple__"]])
        return {str(k): v if type(v) in _FAST else decode(v, _depth + 1) for k, v in obj.items()}
    raise WireError(f"unexpected {type(obj).__name__}")


def dumps(obj) -> bytes:
    return json.dumps(encode(obj), allow_nan=True, separators=(",", ":")).encode()


def loads(data: bytes):
    return decode(json.loads(data.decode()))


def send(fd: int, payload: dict) -> None:
    """Write one length-prefixed JSON message to a file descriptor."""
    import os

    body = json.dumps(payload, allow_nan=True, separators=(",", ":")).encode()
    msg = _HEADER.pack(len(body)) + body
    view = memoryview(msg)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_exact(fd: int, n: int) -> bytes:
    import os

    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv(fd: int) -> dict:
    """Read one length-prefixed JSON message (blocking)."""
    (size,) = _HEADER.unpack(read_exact(fd, _HEADER.size))
    if size > MAX_MESSAGE:
        raise WireError(f"message of {size} bytes is too large")
    return json.loads(read_exact(fd, size).decode())
