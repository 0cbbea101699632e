"""Cases of the ``l1_l2`` and ``dropout`` parts."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .. import strategies as S
from ..regularization import coefficients, weights_with_zeros
from . import mistakes_regularization as M
from grader.authoring.recording import PartRecorder, collect, rng_array

L1L2_SHAPES = S.SHAPES + [(16, 8), (3, 3, 4, 2)]


# -- l1_l2 -------------------------------------------------------------------------------------

def _l1l2(weights, l1, l2, defaults=False):
    return {"weights": weights, "l1": l1, "l2": l2, "defaults": defaults}


@st.composite
def _l1l2_case(draw, dtype):
    shape = draw(st.sampled_from(L1L2_SHAPES))
    w = draw(weights_with_zeros(dtype, shape))
    if w.size >= 2:                       # at least one exact zero
        w.flat[draw(st.integers(0, w.size - 1))] = 0
    return _l1l2(w, draw(coefficients()), draw(coefficients()))


def _with_zeros(rng, shape, dtype, frac=0.3):
    w = rng_array(rng, shape, dtype, -3.0, 3.0)
    w[rng.random(shape) < frac] = 0
    return w


def _l1l2_public():
    rng = np.random.default_rng(11)
    cases = [
        (("lecture",), _l1l2(np.array([1.0, 2.0], np.float32), 1.0, 0.5)),
        (("lecture",), _l1l2(np.array([0.0, 1.0, -1.0], np.float32), 1.0, 0.5)),
        (("lecture",), _l1l2(_with_zeros(rng, (3, 2), np.float32), 0.01, 0.01)),
        (("defaults",), _l1l2(_with_zeros(rng, (4, 3), np.float32), 0.01, 0.01, defaults=True)),
        (("defaults",), _l1l2(_with_zeros(rng, (5,), np.float64), 0.01, 0.01, defaults=True)),
    ]
    cases += [(("float32",), c) for c in collect(_l1l2_case(np.float32), 10)]
    cases.append((("float32",), _l1l2(np.array(-1.5, np.float32), 0.3, 0.3)))
    cases.append((("float32",), _l1l2(np.zeros((2, 3), np.float32), 0.1, 0.1)))
    cases += [(("float64",), c) for c in collect(_l1l2_case(np.float64), 6)]
    return cases


def _l1l2_hidden():
    rng = np.random.default_rng(1100)
    coefs = [0.01, 0.05, 0.2, 1e-4, 0.7, 1.5, 0.003, 0.01]
    cases = []
    for i, c in enumerate(coefs):
        dtype = (np.float32, np.float64)[i % 2]
        shape = L1L2_SHAPES[i % len(L1L2_SHAPES)]
        cases.append((("hidden",), _l1l2(_with_zeros(rng, shape, dtype), c, coefs[-1 - i],
                                         defaults=(i == 7))))
    return cases


def _call_l1l2(fn, name, inputs):
    coef = name[:2]
    kwargs = {} if inputs["defaults"] else {coef: inputs[coef]}
    return fn(inputs["weights"], **kwargs)


def _l1l2_mistakes(inputs, expected):
    out = {}
    with np.errstate(all="ignore"):
        for fn in M.MISTAKES["l1_l2"]:
            name = M.TARGET[fn.__name__]
            value = np.asarray(_call_l1l2(fn, name, inputs))
            if not np.allclose(value, expected[name], rtol=1e-6, atol=1e-12, equal_nan=True):
                out[fn.__name__] = {name: value}
    return out


# -- dropout ---------------------------------------------------------------------------------------

def _dropout_inputs(x, rate, seed):
    """The inputs of one case: the mask is recovered from Keras's output (x has no
    exact zeros, so an output of 0 means dropped)."""
    from .tf_regularization import dropout_training

    out = dropout_training(x, rate, seed)
    return {"x": x, "rate": float(rate), "mask": out != 0, "seed": int(seed)}


def _dropout_rates():
    return st.sampled_from([0.1, 0.2, 0.5, 0.9, 0.999]) | st.floats(0.05, 0.95)


@st.composite
def _dropout_draw(draw, dtype):
    shape = draw(st.sampled_from(S.SHAPES + [(8, 16)]))
    x = draw(S.arrays(dtype, shape, -3.0, 3.0, away_from_zero=1e-3))
    return x, draw(_dropout_rates()), draw(st.integers(0, 2 ** 31 - 1))


def _dropout_fixed(rng, shape, dtype, rate, seed):
    x = rng_array(rng, shape, dtype, 0.5, 2.0) * rng.choice([-1, 1], size=shape).astype(dtype)
    return _dropout_inputs(x, rate, seed)


def _nonfinite(rng, dtype, rate, seed):
    x = rng_array(rng, (4, 6), dtype, 0.5, 2.0)
    x.flat[[0, 5, 9, 14, 19, 22]] = [np.inf, -np.inf, np.nan, np.nan, np.inf, np.nan]
    return _dropout_inputs(x, rate, seed)


# rate 0 and 1 and non-finite inputs are graded once, by their own checks (the
# edge-rate property and the "nonfinite" cases), not again in the float32 and hidden ones.
def _dropout_public():
    rng = np.random.default_rng(22)
    cases = [(("lecture",), _dropout_fixed(rng, (4, 6), np.float32, 0.5, 1)),
             (("lecture",), _dropout_fixed(rng, (8, 10), np.float32, 0.2, 2))]
    cases += [(("float32",), _dropout_inputs(*ex)) for ex in collect(_dropout_draw(np.float32), 10)]
    cases += [(("float64",), _dropout_inputs(*ex)) for ex in collect(_dropout_draw(np.float64), 6)]
    cases += [(("nonfinite",), _nonfinite(rng, dt, 0.5, 5 + i))
              for i, dt in enumerate((np.float32, np.float64))]
    return cases


def _dropout_hidden():
    rng = np.random.default_rng(2200)
    rates = [0.3, 0.6, 0.05, 0.95, 0.999, 0.15, 0.75, 0.4]
    cases = []
    for i, rate in enumerate(rates):
        dtype = (np.float32, np.float64)[i % 2]
        shape = [(6, 7), (3, 4, 5), (50,), (2, 2), (10, 3), (4,), (3, 3), (2, 5, 2)][i]
        cases.append((("hidden",), _dropout_fixed(rng, shape, dtype, rate, 3000 + i)))
    return cases


def _dropout_mistakes(inputs, expected):
    out = {}
    with np.errstate(all="ignore"):
        for fn in M.MISTAKES["dropout"]:
            if M.TARGET[fn.__name__] != "dropout":
                continue
            value = np.asarray(fn(inputs["x"].copy(), inputs["rate"], inputs["mask"].copy(),
                                  training=True))
            if value.shape != expected["dropout"].shape or not np.array_equal(
                    value, expected["dropout"], equal_nan=True):
                out[fn.__name__] = {"dropout": value}
    return out


def recorders():
    from .tf_regularization import dropout_training, regularizer_outputs

    def dropout_expected(inputs):
        return {"dropout": dropout_training(inputs["x"], inputs["rate"], inputs["seed"])}

    return {
        "l1_l2": PartRecorder(
            cases=_l1l2_public, hidden_cases=_l1l2_hidden, expected=regularizer_outputs,
            mistakes=lambda inputs: _l1l2_mistakes(inputs, regularizer_outputs(inputs))),
        "dropout": PartRecorder(
            cases=_dropout_public, hidden_cases=_dropout_hidden, expected=dropout_expected,
            mistakes=lambda inputs: _dropout_mistakes(inputs, dropout_expected(inputs))),
    }
