"""What a check sees (:class:`Context`) and the helpers every check uses:
comparisons with stated tolerances, property runs on the recorded examples, and
rendering of failing examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .errors import CallFailed, Failure
from .reference import Case, load_cases
from .results import Example

if TYPE_CHECKING:  # (the sandbox renders calls with call_text: no import at run time)
    from .sandbox.runner import Sandbox


@dataclass(frozen=True)
class Settings:
    """The grader's own budgets (not the test-suite's)."""

    max_examples: int = 25        # hypothesis examples per property check
    lang: str = "en"
    #: Compute each part's picture data while grading (``Part.plot``, drawn by the
    #: renderers). Not in ``repr``: a picture never changes a score, so the gradebook's
    #: checks version (which hashes the settings' repr) does not depend on it.
    plots: bool = field(default=False, repr=False)


class Context:
    """The interface between one check and one submission's sandbox."""

    def __init__(self, sandbox: Sandbox, assignment, part, settings: Settings):
        self.sandbox = sandbox
        self.assignment = assignment
        self.part = part
        self.settings = settings

    def call(self, name: str, *args, rngs=None, **kwargs):
        return self.sandbox.call(self.part.module, name, *args, rngs=rngs, **kwargs)

    def drive(self, name: str, driver: str, payload, *, units: int = 1, shown: str = "",
              batched: bool = False):
        """Run the assignment's driver ``driver`` on the student's ``name`` of this part's
        module (see :meth:`grader.sandbox.runner.Sandbox.drive`)."""
        return self.sandbox.drive(self.part.module, name, driver, payload, units=units,
                                  shown=shown, batched=batched)

    def cases(self, hidden: bool = False, tag: str | None = None) -> tuple[Case, ...]:
        cases = load_cases(self.assignment.name, self.part.id, hidden)
        if cases is None:
            raise Failure("the recorded reference for this check is not available here "
                          "(the instructor records it with `grader record`)")
        key = (id(cases), tag)
        ordered = _ORDERED.get(key)
        if ordered is None or ordered[0] is not cases:
            chosen = cases if tag is None else tuple(c for c in cases if tag in c.tags)
            ordered = _ORDERED[key] = (cases, tuple(sorted(chosen, key=lambda c: (c.size, c.id))))
        return ordered[1]


#: Cases in the order checks use them (smallest first), per loaded tuple of cases and tag.
_ORDERED: dict = {}


# -- rendering ------------------------------------------------------------------------

def fmt(value, width: int = 6) -> str:
    """Short, readable text for a value in an example."""
    if isinstance(value, np.generic) and not isinstance(value, (np.str_, np.bytes_)):
        # a numpy scalar as its number and type (numpy 2 would write np.float64(0.002))
        return f"{value.item()!r} ({value.dtype})"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return f"{value.item()!r} ({value.dtype})"
        body = np.array2string(value, precision=width, threshold=12, edgeitems=2,
                               separator=", ", max_line_width=100, floatmode="maxprec")
        return f"array({body}, dtype={value.dtype}, shape={value.shape})"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(fmt(v, width) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v, width) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {fmt(v, width)}" for k, v in value.items()) + "}"
    return repr(value)


class Lazy:
    """Text built only when it is shown: checks describe every call they make, but only
    a failing one is ever rendered (formatting arrays costs more than the call)."""

    __slots__ = ("_make", "_text")

    def __init__(self, make):
        self._make = make
        self._text = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = self._make()
        return self._text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __add__(self, other) -> str:
        return str(self) + str(other)

    def __radd__(self, other) -> str:
        return str(other) + str(self)


def call_text(name: str, args=(), kwargs=None) -> Lazy:
    """``name(arg, ..., key=value)`` with short array renderings (lazy)."""
    args, kwargs = tuple(args), dict(kwargs or {})

    def make():
        parts = [fmt(a) for a in args] + [f"{k}={fmt(v)}" for k, v in kwargs.items()]
        return f"{name}(" + ", ".join(parts) + ")"
    return Lazy(make)


def run_driven(ctx, name: str, driver: str, payload, *, units: int, shown: str, inputs: str,
               unreadable, read, wrap: bool = True):
    """Drive the student's ``name`` with the assignment's ``driver`` (``ctx.drive``) and
    return ``read(result)``; what goes wrong is a Failure showing ``inputs`` (the script
    in the student's words). ``unreadable(detail)``: the Failure for a record the grader
    cannot read (the state the student's code left behind, not what it returned);
    ``read`` raises Failure for a result of another form. ``wrap=False`` lets
    :class:`CallFailed` through, for :func:`run_property`."""
    try:
        result = ctx.drive(name, driver, payload, units=units, shown=shown)
    except CallFailed as exc:
        if exc.kind in ("unsupported", "protocol") and exc.message.startswith("returned "):
            f = unreadable(exc.message[len("returned "):])
            f.example = example(inputs)
            raise f from None
        if not wrap:
            raise
        f = failed_call(exc, f"your `{name}`")
        f.example = example(inputs, error=f.message.splitlines()[0])
        raise f from None
    try:
        return read(result)
    except Failure as f:
        f.example = example(inputs)
        raise


def failed_call(exc: CallFailed, what: str) -> Failure:
    """Turn a sandbox failure into a check failure with an exact message."""
    raised = exc.kind == "exception" and not exc.message.startswith(("called ", "raised "))
    msg = f"{what} raised {exc.message}" if raised else f"{what} {exc.message}"
    if exc.kind == "forbidden":
        msg = f"{what} tried to import {', '.join(exc.forbidden) or 'a forbidden module'}: only numpy may be used"
    if exc.trace:
        msg += "\n" + exc.trace.rstrip()
    return Failure(msg)


# -- comparisons ------------------------------------------------------------------------

def as_array(value, what: str, shape, finite: bool = False) -> np.ndarray:
    """Validate one returned array: numeric, right shape (and finite, if asked)."""
    if value is None:
        raise Failure(f"{what} is None (did you forget to return it?)")
    if isinstance(value, (dict, list, str)):
        raise Failure(f"{what} is a {type(value).__name__}, expected a numpy array")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # e.g. a ragged tuple: the student's value
        raise Failure(f"{what} is not one numeric array ({str(exc)[:120]})") from None
    if arr.dtype.kind not in "biuf":
        raise Failure(f"{what} has dtype {arr.dtype}, expected a float array")
    if tuple(arr.shape) != tuple(shape):
        raise Failure(f"{what} has shape {tuple(arr.shape)}, expected {tuple(shape)}")
    if finite and not np.all(np.isfinite(arr)):
        raise Failure(f"{what} contains NaN or inf (the inputs were finite)")
    return arr.astype(np.float64)


def unpack(value, n: int, what: str) -> tuple:
    if not isinstance(value, (tuple, list)):
        raise Failure(f"{what} returned {type(value).__name__ if value is not None else 'None'}, "
                      f"expected a tuple of {n} arrays")
    if len(value) != n:
        raise Failure(f"{what} returned {len(value)} values, expected {n}")
    return tuple(value)


def mismatch(got, expected, rtol: float, atol: float) -> str | None:
    """None when ``got`` is close to ``expected`` (|got-exp| <= atol + rtol*|exp|,
    NaN equal to NaN), else a one-line description of the worst element."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        return f"shape {got.shape} instead of {expected.shape}"
    with np.errstate(invalid="ignore", over="ignore"):
        # np.isclose's test for finite values, without its generality (it is called
        # for every value of every example); NaN and inf take the full test below
        if bool(np.all(np.abs(got - expected) <= atol + rtol * np.abs(expected))):
            return None
    ok = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if ok.all():
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(ok, 0.0, np.abs(got - expected))
    err = np.where(np.isnan(err), np.inf, err)
    idx = np.unravel_index(int(np.argmax(err)), got.shape) if got.ndim else ()
    where = f" at index {tuple(int(i) for i in idx)}" if got.ndim else ""
    return (f"{int((~ok).sum())} of {ok.size} values differ; worst{where}: "
            f"got {float(got[idx])!r}, expected {float(expected[idx])!r}")


def relative_deviation(got, ref) -> float:
    """max|got - ref| / max|ref| (NaN where both are NaN counts as equal); inf when the
    shapes or the NaN positions differ. Used to recognise a known mistake."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        return np.inf
    nan_g, nan_r = np.isnan(got), np.isnan(ref)
    if np.any(nan_g != nan_r):
        return np.inf
    keep = ~nan_g
    if not keep.any():
        return 0.0
    with np.errstate(all="ignore"):
        dev = np.max(np.abs(got[keep] - ref[keep])) / (np.max(np.abs(ref[keep])) + 1e-12)
    return float(dev) if np.isfinite(dev) else np.inf


def nonfinite(arr) -> bool:
    return not np.all(np.isfinite(np.asarray(arr, dtype=np.float64)))


# -- properties ------------------------------------------------------------------------

_PINNED = False


def deterministic_hypothesis() -> None:
    """Make hypothesis's example generation depend on nothing but the strategy.

    ``derandomize=True`` fixes the seed, but hypothesis also mixes in constants it
    collects from the source of every "local" (non site-packages) module loaded in the
    process, and caches them in ``./.hypothesis``. Which modules those are differs
    between an editable and a wheel install, the CLI and a Jupyter kernel, so the same
    submission could meet different examples. We turn that collection off (private
    API: if it moves, grading still works, only this guarantee weakens).
    """
    global _PINNED
    if _PINNED:
        return
    try:
        from hypothesis.internal.conjecture import providers

        empty = providers.Constants()
        providers._get_local_constants = lambda: empty
    except (ImportError, AttributeError):  # pragma: no cover - a hypothesis without it
        pass
    _PINNED = True


def run_property(strategy, body, *, max_examples: int, describe) -> None:
    """Run ``body(example)`` on the recorded examples of this property.

    The examples were drawn from ``strategy`` once, by the instructor, and are part of
    the assignment's recorded data (:mod:`grader.examples_data`): grading never draws
    with hypothesis, so every run (``check``, ``grade``, any machine, any versions of
    Python, numpy and hypothesis) meets the same examples. The student's code runs on
    each, in order. ``body`` raises :class:`Failure` when the property does not hold
    for an example; the check then fails with the *smallest* failing example (fewest
    numbers, then smallest magnitudes, then the first recorded), as
    ``describe(example)``. When the student's code raises, hangs or crashes, it stops
    at once and that example is reported with its traceback. Nothing is shrunk at
    grading time (the recorded examples include the simplest ones), so the example
    shown depends on the recorded data only.
    """
    from . import examples_data

    run_examples(examples_data.examples(strategy, body, max_examples), body, describe=describe)


def run_examples(examples, body, *, describe) -> None:
    """:func:`run_property` on the given examples."""
    from .examples_data import copy_example, example_size

    failures = []
    for index, ex in enumerate(examples):
        try:
            body(copy_example(ex))
        except CallFailed as exc:
            raise _call_failure(exc, ex, describe) from None
        except Failure as failure:
            failures.append((example_size(ex), index, ex, failure))
    if failures:
        _, _, ex, failure = min(failures, key=lambda f: (f[0], f[1]))
        failure.example = failure.example or describe(ex)
        raise failure


def _call_failure(exc: CallFailed, ex, describe) -> Failure:
    failure = failed_call(exc, "your function")
    failure.message, _, trace = failure.message.partition("\n")
    failure.example = describe(ex)
    if trace:
        failure.example = Example(failure.example.inputs, error=trace)
    return failure


def draw_examples(strategy, max_examples: int) -> list:
    """The examples hypothesis draws from ``strategy`` (derandomized, no database), as
    a check whose examples all pass sees them. Used only to record them
    (``grader record --examples``), never while grading."""
    from hypothesis import HealthCheck, Phase, given, settings

    from .examples_data import copy_example
    from .lazy_hypothesis import real

    strategy = real(strategy)
    deterministic_hypothesis()
    seen: list = []

    @settings(derandomize=True, database=None, deadline=None, max_examples=max_examples,
              suppress_health_check=list(HealthCheck), print_blob=False,
              phases=(Phase.explicit, Phase.generate))
    @given(strategy)
    def draw(example):
        seen.append(copy_example(example))

    draw()
    return seen


def example(inputs, expected="", got="", error="") -> Example:
    return Example(inputs=str(inputs), expected=str(expected), got=str(got), error=str(error))
