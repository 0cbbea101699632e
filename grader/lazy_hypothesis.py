"""Hypothesis strategies declared without importing hypothesis until it is needed.

Grading never draws: a property check runs on examples recorded by the instructor
(:mod:`grader.examples_data`). Yet an assignment declares its properties' strategies in
its modules (``@st.composite`` functions, module-level ``st.sampled_from(...)``), and
importing hypothesis costs about 0.1 s, plus a few hundredths to build the composite
functions and to tear it all down at exit: a tenth of a whole ``grader check``. So an
assignment's modules import ``st`` (and ``hnp``) from here instead::

    from grader.lazy_hypothesis import hnp, st

and write their strategies exactly as with hypothesis. While hypothesis is not imported
in the process:

- ``st.<name>(...)``, ``|`` and methods such as ``.map`` on what it returns, and a call
  of a ``@st.composite`` function, only *describe* the strategy (:class:`Deferred`);
- grading passes such descriptions to :func:`grader.checking.run_property`, which only
  reads the recorded examples.

Where hypothesis is needed (recording examples, fingerprints, drawing: see :func:`real`)
a description becomes the very strategy the same code builds with hypothesis: the same
functions (``st.composite`` of the same function, so the same fingerprint) and the same
arguments, so the same examples. Once hypothesis is imported in the process (by
:func:`real`, or by anything else, e.g. a test), everything here is hypothesis's own
at once, and the module-level strategies that modules declared with ``st`` before are
made real in place (their composite functions draw from them by name).
"""

from __future__ import annotations

import functools
import importlib
import sys
import threading

_lock = threading.Lock()
_state: dict = {"st": None}


def _loaded() -> bool:
    return _state["st"] is not None or "hypothesis.strategies" in sys.modules


def _strategies():
    """``hypothesis.strategies``, imported now if need be. The first time, the deferred
    module-level strategies of the modules using :data:`st` are made real."""
    real_st = _state["st"]
    if real_st is None:
        real_st = importlib.import_module("hypothesis.strategies")
        with _lock:
            first = _state["st"] is None
            _state["st"] = real_st
        if first:
            _realize_globals()
    return real_st


def _realize_globals() -> None:
    for module in list(sys.modules.values()):
        names = getattr(module, "__dict__", None)
        if not isinstance(names, dict) or names.get("st") is not st:
            continue
        for name, value in list(names.items()):
            if type(value) is Deferred:
                names[name] = value.real()


def real(value):
    """The hypothesis strategy ``value`` describes (built once); ``value`` itself when it
    is not a description. Lists, tuples and dicts of strategies (arguments) likewise."""
    kind = type(value)
    if kind is Deferred:
        return value.real()
    if kind is _Composite:
        return value.real()
    if kind is tuple or kind is list:
        items = [real(v) for v in value]
        return value if all(a is b for a, b in zip(items, value)) else kind(items)
    if kind is dict:
        items = {k: real(v) for k, v in value.items()}
        return value if all(items[k] is value[k] for k in value) else items
    return value


def _defer(build):
    """``build()`` now if hypothesis is there, else its description."""
    return build() if _loaded() else Deferred(build)


class Deferred:
    """A strategy described, not built (hypothesis is not imported): :meth:`real` builds
    it (once) with hypothesis."""

    __slots__ = ("_build", "_built")

    def __init__(self, build):
        self._build = build
        self._built = None

    def real(self):
        if self._built is None:
            _strategies()  # (which may have built this one, if it is a module's)
            if self._built is None:
                self._built = self._build()
        return self._built

    def __or__(self, other):
        return _defer(lambda: real(self) | real(other))

    def __ror__(self, other):
        return _defer(lambda: real(other) | real(self))

    def __getattr__(self, name):  # .map, .filter, .flatmap, ...
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *a, **k: _defer(lambda: getattr(real(self), name)(*real(a), **real(k)))

    def __repr__(self) -> str:
        return "<a hypothesis strategy, not built (hypothesis is not imported)>"


class _Composite:
    """``@st.composite`` without hypothesis: a call describes the strategy; made real,
    it is hypothesis's own ``composite`` of the very same function."""

    def __init__(self, f):
        functools.update_wrapper(self, f)
        self._f = f
        self._real = None

    def real(self):
        if self._real is None:
            self._real = _strategies().composite(self._f)
        return self._real

    def __call__(self, *args, **kwargs):
        return _defer(lambda: self.real()(*real(args), **real(kwargs)))


class _Strategies:
    """:data:`st`: ``hypothesis.strategies`` once hypothesis is imported; before, its
    functions describe strategies (see the module's docstring)."""

    def composite(self, f):
        if _loaded():
            return _strategies().composite(f)
        return _Composite(f)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if _loaded():
            return getattr(_strategies(), name)
        return lambda *a, **k: _defer(lambda: getattr(_strategies(), name)(*real(a), **real(k)))


class _Module:
    """A module imported on first use of one of its attributes (``hnp`` is used only
    while drawing)."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        _strategies()
        return getattr(importlib.import_module(self._name), attr)


#: Use as ``hypothesis.strategies``.
st = _Strategies()
#: Use as ``hypothesis.extra.numpy`` (imported on first use).
hnp = _Module("hypothesis.extra.numpy")
