"""Hypothesis strategies shared by the checks and by the reference recorder."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from grader.lazy_hypothesis import st  # hypothesis only when recording (see there)

SHAPES = [(), (1,), (4,), (3, 2), (2, 3, 2)]
DTYPES = [np.float32, np.float64]


def shapes():
    return st.sampled_from(SHAPES)


def dtypes():
    return st.sampled_from(DTYPES)


GRID = 8  # property examples live on a 1/8 grid: exact in float32, readable, fast to draw


def arrays(dtype, shape, lo=-2.0, hi=2.0, away_from_zero: float = 0.0):
    """See :func:`_arrays` (cached: hypothesis re-analyses every new strategy object)."""
    return _arrays(np.dtype(dtype), tuple(int(n) for n in shape), float(lo), float(hi),
                   float(away_from_zero))


@lru_cache(maxsize=1024)
def _arrays(dtype, shape, lo, hi, away_from_zero):
    """Arrays of ``shape`` with values on a 1/8 grid in [lo, hi]; optionally |x| >= away_from_zero.

    Drawn as integers (about twice as fast as hypothesis's float arrays, and they
    shrink to small, readable values such as 0.125)."""
    n = int(np.prod(shape, dtype=np.int64))
    if away_from_zero:
        low = max(1, int(np.ceil(away_from_zero * GRID)))
        mag = st.integers(low, int(max(abs(lo), abs(hi)) * GRID))
        element = st.tuples(st.sampled_from([1, -1]), mag).map(lambda t: t[0] * t[1])
    else:
        element = st.integers(int(np.ceil(lo * GRID)), int(np.floor(hi * GRID)))
    return st.lists(element, min_size=n, max_size=n).map(
        lambda xs: (np.asarray(xs, dtype=np.float64) / GRID).astype(dtype).reshape(shape))


def float_arrays(dtype, shape, lo=-2.0, hi=2.0, away_from_zero: float = 0.0):
    """Arrays of arbitrary floats in [lo, hi] (slower to draw; used to record reference cases)."""
    from hypothesis.extra import numpy as hnp

    elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if away_from_zero:
        mag = st.floats(away_from_zero, max(abs(lo), abs(hi)), allow_subnormal=False)
        elements = st.tuples(st.sampled_from([-1.0, 1.0]), mag).map(lambda t: t[0] * t[1])
    # drawn in float64, then rounded to the dtype (bounds need not be representable);
    # magnitudes below 1e-30 become exact zeros (float32 implementations must not be
    # judged on values float32 cannot represent)
    return hnp.arrays(np.float64, shape, elements=elements).map(
        lambda a: np.where(np.abs(a) < 1e-30, 0.0, a).astype(dtype))


def grad_arrays(dtype, shape):
    """Gradients bounded away from 0 (|g| in [1e-2, 3]): every coordinate moves."""
    return arrays(dtype, shape, -3.0, 3.0, away_from_zero=1e-2)


@st.composite
def param_and_grad(draw, shape=None, dtype=None):
    dtype = dtype or draw(dtypes())
    shape = shape if shape is not None else draw(shapes())
    return draw(arrays(dtype, shape)), draw(grad_arrays(dtype, shape))
