"""Reading the worker's replies, bounded before they are parsed, and checking them.

A reply may only hold what the request it answers can explain (:func:`budget_for`):
its raw bytes are measured (:func:`misfit`) before they are parsed, since parsing
``[],[],...`` costs some 50 times its size in memory. Replies are read in the thread
that waits for them (:class:`Reader`; :class:`ThreadReader` where ``select`` cannot
wait on a pipe), parsed once per distinct bytes (a process-wide cache), and whatever
text they carry is cleaned (:func:`clean_text`) before anyone shows it.

:class:`Replied` remembers what the student's code returned during a check being
recorded as a plan (see :meth:`grader.sandbox.runner.Sandbox.recording`).

Trusted side only.
"""

from __future__ import annotations

import json
import os
import queue
import re
import select
import threading
import time
from dataclasses import dataclass

from . import wire
from .limits import MB

# -- what a reply may expand into ------------------------------------------------------

@dataclass(frozen=True)
class Budget:
    """The most a reply may hold: bytes, containers (JSON ``[`` and ``{``) and items
    (``,``), checked on its raw bytes before it is parsed (parsing ``[],[],...``
    costs some 50 times its size in memory)."""

    size: int
    containers: int
    items: int


#: Deepest nesting of a reply (wire.decode refuses more than 40 anyway).
MAX_REPLY_DEPTH = 48
_BRACKETS = re.compile(rb"[\[\]{}]")


def budget_for(body: bytes | None, cap: int) -> Budget:
    """What the reply to the request ``body`` may hold: a reply holds what the student's
    function returns, shaped like its inputs (a step returns the parameter and its
    state; a batch of steps one such tuple per gradient), so sixteen times the
    request's own structure and size, plus a margin for messages and small values."""
    if not body:
        return Budget(min(cap, MB), 4096, 65536)
    containers = body.count(b"[") + body.count(b"{")
    return Budget(min(cap, 16 * len(body) + MB), 16 * containers + 4096,
                  16 * body.count(b",") + 65536)


def merge(a: Budget, b: Budget) -> Budget:
    return Budget(max(a.size, b.size), max(a.containers, b.containers), max(a.items, b.items))


def misfit(body: bytes, budget: Budget) -> str:
    """Why a reply's raw bytes do not fit ``budget`` ('' when they do)."""
    if len(body) > budget.size:
        return f"a reply of {len(body)} bytes (at most {budget.size} for this request)"
    containers = body.count(b"[") + body.count(b"{")
    if containers > budget.containers:
        return (f"a reply of {containers} lists and objects "
                f"(at most {budget.containers} for this request)")
    items = body.count(b",")
    if items > budget.items:
        return f"a reply of {items} items (at most {budget.items} for this request)"
    depth = deepest = 0
    for m in _BRACKETS.finditer(body):
        if m.group() in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_REPLY_DEPTH:
                    return f"a reply nested more than {MAX_REPLY_DEPTH} levels deep"
        else:
            depth = max(0, depth - 1)
    return ""


# -- reading replies ----------------------------------------------------------------------

def recv(fd: int, cap: int) -> dict:
    """One reply read from ``fd`` (blocking), bounded by ``cap`` bytes."""
    (size,) = wire._HEADER.unpack(wire.read_exact(fd, wire._HEADER.size))
    if size > cap:
        raise wire.WireError(f"a reply of {size} bytes (at most {cap})")
    body = wire.read_exact(fd, size)
    problem = misfit(body, Budget(cap, 4 * 4096, 16 * 65536))
    if problem:
        raise wire.WireError(problem)
    return json.loads(body.decode("utf-8"))


class ThreadReader(threading.Thread):
    """Reads replies from the worker's stdout into a queue (so waits can time out).
    Used where ``select`` cannot wait on a pipe (Windows)."""

    def __init__(self, fd: int, cap: int):
        super().__init__(daemon=True)
        self.fd, self.cap = fd, cap
        self.replies: queue.Queue = queue.Queue()
        self.start()

    def run(self):
        while True:
            try:
                msg = recv(self.fd, self.cap)
            except EOFError:
                self.replies.put(("eof", None))
                return
            except BaseException as exc:  # noqa: BLE001 - garbage, a huge size, deep nesting
                self.replies.put(("bad", f"{type(exc).__name__}: {str(exc)[:200]}"))
                return
            self.replies.put(("msg", msg))

    def get(self, timeout: float):
        """``("msg", reply)``, ``("eof", None)`` or ``("bad", why)``; queue.Empty on timeout."""
        return self.replies.get(timeout=max(0.0, timeout))

    def close(self) -> bool:
        self.join(timeout=5)
        return not self.is_alive()


#: Replies already read, by their exact bytes (this process, all sandboxes): parsed once
#: and their values decoded once (the same bytes always decode to the same value). A
#: correct submission's replies are mostly those of the correct submissions before it.
#: Cached replies are never modified nor dropped (so their ids stay theirs); values are
#: handed out as fresh copies.
MAX_REPLY_CACHE = 64 * MB
_REPLIES: dict = {}      # body bytes -> parsed reply
_REPLY_BYTES = [0]
_CACHED: set = set()     # ids of the parsed replies in _REPLIES
_DECODED: dict = {}      # id of one of them -> (that reply, a copy of its decoded value)


def decoded(reply: dict):
    """``wire.decode`` of the reply's value (once per distinct reply bytes)."""
    rid = id(reply)
    known = _DECODED.get(rid)
    if known is not None and known[0] is reply:
        return wire.snapshot(known[1])
    value = wire.decode(reply.get("value"))
    if rid in _CACHED:
        copy = wire.snapshot(value)
        if copy is not None or value is None:
            _DECODED[rid] = (reply, copy)
    return value


class Reader:
    """Reads the worker's replies from its stdout in the thread that waits for them
    (``select`` with a timeout): no hand-off between threads per reply, and one read
    takes in every reply that has arrived (pipelined requests, see Sandbox.pipeline)."""

    def __init__(self, fd: int, cap: int):
        self.fd, self.cap = fd, cap
        self.buf = bytearray()
        self.end = None  # ("eof", None) or ("bad", why) once nothing more can be read
        self.budget = budget_for(None, cap)  # of the next reply (the sandbox sets it)

    def get(self, timeout: float):
        """``("msg", reply)``, ``("eof", None)`` or ``("bad", why)``; queue.Empty on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self._next()
            if msg is not None:
                return msg
            if self.end is not None:
                return self.end
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                raise queue.Empty
            try:
                chunk = os.read(self.fd, 1 << 20)
            except OSError as exc:
                self.end = ("bad", f"{type(exc).__name__}: {str(exc)[:200]}")
                continue
            if not chunk:
                self.end = ("eof", None)
            self.buf += chunk

    def _next(self):
        head = wire._HEADER.size
        if (self.end is not None and self.end[0] == "bad") or len(self.buf) < head:
            return None
        (size,) = wire._HEADER.unpack_from(self.buf)
        cap = min(self.cap, self.budget.size)
        if size > cap:
            self.end = ("bad", f"WireError: a reply of {size} bytes (at most {cap} for this request)")
            self.buf.clear()
            return None
        if len(self.buf) < head + size:
            return None
        body = bytes(self.buf[head:head + size])
        del self.buf[:head + size]
        known = _REPLIES.get(body)
        if known is not None:
            return ("msg", known)
        # Bounded before it is parsed: what it may expand into is known from the request.
        problem = misfit(body, self.budget)
        if problem:
            self.end = ("bad", f"WireError: {problem}")
            self.buf.clear()
            return None
        try:
            msg = json.loads(body.decode("utf-8"))
        except BaseException as exc:  # noqa: BLE001 - garbage, deep nesting
            self.end = ("bad", f"{type(exc).__name__}: {str(exc)[:200]}")
            self.buf.clear()
            return None
        # Kept by what it may cost in memory once parsed and decoded, not by its size.
        cost = 3 * size + 64 * (body.count(b"[") + body.count(b"{") + body.count(b","))
        if type(msg) is dict and _REPLY_BYTES[0] + cost <= MAX_REPLY_CACHE:
            _REPLIES[body] = msg
            _CACHED.add(id(msg))
            _REPLY_BYTES[0] += cost
        return ("msg", msg)

    def close(self) -> bool:
        return True


# -- validating what the worker says ------------------------------------------------------------

def non_negative(value) -> int:
    """``value`` if it is a non-negative int, else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


#: Control characters, line/paragraph separators, and the bidirectional controls that
#: make text read differently from what it holds ("Trojan Source": U+061C, U+200E/F,
#: U+202A-E, U+2066-9).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Text from the student's side without control characters (no terminal escapes,
    no carriage returns rewriting a report line): newlines and tabs stay."""
    return _CONTROL.sub("", text)


def text(value, cap: int) -> str:
    """A string of the reply, cut at ``cap`` characters and cleaned ('' if not a string)."""
    return clean_text(value[:cap]) if isinstance(value, str) else ""


def names(value) -> tuple:
    """A list of short names of the reply (module names), at most ten."""
    if not isinstance(value, list):
        return ()
    return tuple(v[:40] for v in value[:10] if isinstance(v, str))


def clean_load(reply: dict, name: str) -> dict:
    """The load report of one module, rebuilt from checked plain data."""
    info = reply.get("modules", {}).get(name) if isinstance(reply.get("modules"), dict) else None
    if reply.get("ok") is not True or not isinstance(info, dict):
        return {"status": "error", "error": text(reply.get("error"), 2000) or
                "the worker sent an unreadable load report", "trace": text(reply.get("trace"), 4000)}
    status = info.get("status")
    if status == "ok":
        found = info.get("names") if isinstance(info.get("names"), dict) else {}
        return {"status": "ok", "names": {k[:200]: v for k, v in list(found.items())[:5000]
                                          if isinstance(k, str) and v in ("class", "callable", "other")}}
    if status == "missing":
        return {"status": "missing"}
    return {"status": "forbidden" if status == "forbidden" else "error",
            "error": text(info.get("error"), 2000), "trace": text(info.get("trace"), 4000),
            "forbidden": list(names(info.get("forbidden")))}


# -- what the student's code returned (recording plans) ---------------------------------------

class Replied:
    """What the student's code returned during a check being recorded as a plan, to
    recognise a request built from it (:meth:`Sandbox.recording`): the bytes of every
    array it returned, also as each float dtype the grader may cast it to, and every
    float. Left out: what the grader itself sent earlier in the check (a reply that
    echoes an input says nothing of the student), all-zero arrays and whole-number
    floats (the grader's own inputs are full of them, and they say nothing of the
    student's computation)."""

    __slots__ = ("arrays", "floats", "sent_arrays", "sent_floats")
    CASTS = ("float16", "float32", "float64")

    def __init__(self):
        self.arrays: set = set()
        self.floats: set = set()
        self.sent_arrays: set = set()
        self.sent_floats: set = set()

    def sent(self, raw) -> None:
        """Note the values of a request the grader made from its own data."""
        for kind, v in leaves(raw):
            if kind == "float":
                self.sent_floats.add(float(v))
            else:
                self.sent_arrays.add((v.dtype.name, v.shape, v.tobytes()))

    def add(self, value) -> None:
        import numpy as np

        for kind, v in leaves(value):
            if kind == "float":
                f = float(v)
                if f == f and not f.is_integer() and f not in self.sent_floats:
                    self.floats.add(f)
            elif v.size and v.dtype.kind in "biuf" and np.any(v != 0) \
                    and (v.dtype.name, v.shape, v.tobytes()) not in self.sent_arrays:
                for dt in {v.dtype.name, *self.CASTS}:
                    with np.errstate(all="ignore"):
                        c = v.astype(dt)
                    self.arrays.add((dt, c.shape, c.tobytes()))

    def seen_in(self, raw) -> bool:
        """Whether the request's values hold something returned earlier (and not sent
        by the grader before)."""
        if not self.arrays and not self.floats:
            return False
        for kind, v in leaves(raw):
            if kind == "float":
                f = float(v)
                if f in self.floats and f not in self.sent_floats:
                    return True
            else:
                key = (v.dtype.name, v.shape, v.tobytes())
                if key in self.arrays and key not in self.sent_arrays:
                    return True
        return False


def leaves(value, depth: int = 0):
    """The arrays and floats in a value (tuples, lists, dicts), as ("array", ndarray)
    and ("float", number); 0-d arrays count as floats."""
    import numpy as np

    if depth > 40:
        return
    kind = type(value)
    if kind is float:
        yield "float", value
    elif isinstance(value, np.ndarray):
        if value.ndim == 0:
            if value.dtype.kind == "f":
                yield "float", float(value)
        else:
            yield "array", value
    elif isinstance(value, np.floating):
        yield "float", float(value)
    elif kind in (tuple, list):
        for v in value:
            yield from leaves(v, depth + 1)
    elif kind is dict:
        for v in value.values():
            yield from leaves(v, depth + 1)
