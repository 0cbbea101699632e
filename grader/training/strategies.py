"""Hypothesis strategies shared by the checks and by the reference recorder."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

SHAPES = [(), (1,), (4,), (3, 2), (2, 3, 2)]
DTYPES = [np.float32, np.float64]


def shapes():
    return st.sampled_from(SHAPES)


def dtypes():
    return st.sampled_from(DTYPES)


def arrays(dtype, shape, lo=-2.0, hi=2.0, away_from_zero: float = 0.0):
    """Finite arrays with values in [lo, hi]; optionally with |x| >= away_from_zero."""
    elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if away_from_zero:
        mag = st.floats(away_from_zero, max(abs(lo), abs(hi)), allow_subnormal=False)
        elements = st.tuples(st.sampled_from([-1.0, 1.0]), mag).map(lambda t: t[0] * t[1])
    # draw in float64, then round to the dtype (bounds need not be representable)
    return hnp.arrays(np.float64, shape, elements=elements).map(lambda a: a.astype(dtype))


def grad_arrays(dtype, shape):
    """Gradients bounded away from 0 (|g| in [1e-2, 3]): every coordinate moves."""
    return arrays(dtype, shape, -3.0, 3.0, away_from_zero=1e-2)


@st.composite
def param_and_grad(draw, shape=None, dtype=None):
    dtype = dtype or draw(dtypes())
    shape = shape if shape is not None else draw(shapes())
    return draw(arrays(dtype, shape)), draw(grad_arrays(dtype, shape))


def positive_floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def to_dtype(x, dtype):
    return np.asarray(x, dtype=dtype)
