"""Cases of the two batch-norm parts.

Inputs are built from a seed with numpy (features with their own offset and spread,
random gamma, beta and moving statistics, never Keras's initial values), the seeds
and hyper-parameters drawn by hypothesis; plus fixed cases for the defaults, image
batches, float64 and batches of one example.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import strategies as st

from . import mistakes_batchnorm as M
from grader.authoring.recording import PartRecorder, collect

TRAIN, INFER = "batchnorm_train", "batchnorm_inference"
DEFAULTS = {"momentum": 0.99, "epsilon": 1e-3}
SHAPES_2D = [(8, 4), (16, 3), (5, 6), (32, 2), (3, 5)]
SHAPES_4D = [(2, 4, 4, 3), (3, 2, 5, 4), (1, 4, 4, 3), (4, 3, 3, 2)]


def _features(rng, d, dtype, small_variance=False):
    gamma = (rng.uniform(0.3, 2.0, d) * rng.choice([-1.0, 1.0], d)).astype(dtype)
    beta = rng.uniform(-2.0, 2.0, d).astype(dtype)
    moving_mean = rng.uniform(-1.0, 1.0, d).astype(dtype)
    if small_variance:  # comparable to epsilon, so that where epsilon goes shows
        moving_variance = (10.0 ** rng.uniform(-5.0, 0.0, d)).astype(dtype)
    else:
        moving_variance = rng.uniform(0.2, 2.0, d).astype(dtype)
    return gamma, beta, moving_mean, moving_variance


def _batches(rng, shape, dtype, n, constant_feature=False):
    d = shape[-1]
    # |mean| <= 2, spread >= 0.5: well conditioned enough that the one-pass variance
    # E[x**2] - E[x]**2 in float32 stays within tolerance (measured: <= 0.4 of it).
    loc, spread = rng.uniform(-2.0, 2.0, d), rng.uniform(0.5, 2.5, d)
    xs = []
    for _ in range(n):
        x = loc + spread * rng.standard_normal(shape)
        if constant_feature:  # one feature with variance 0 in the batch
            x[..., 0] = loc[0]
        xs.append(x.astype(dtype))
    return xs


def train_inputs(shape, dtype, calls, seed, hparams=None, constant_feature=False):
    """One training case: ``calls`` batches of ``shape`` fed to one layer in turn.
    ``hparams=None`` means Keras's defaults (the call passes no keyword arguments)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    xs = _batches(rng, shape, dtype, calls, constant_feature)
    gamma, beta, mm, mv = _features(rng, shape[-1], dtype)
    return {"xs": xs, "gamma": gamma, "beta": beta, "moving_mean": mm, "moving_variance": mv,
            "hparams": dict(hparams or DEFAULTS), "defaults": hparams is None}


def inference_inputs(shape, dtype, seed, epsilon=None, small_variance=False):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    x = _batches(rng, shape, dtype, 1)[0]
    gamma, beta, mm, mv = _features(rng, shape[-1], dtype, small_variance)
    return {"x": x, "gamma": gamma, "beta": beta, "moving_mean": mm, "moving_variance": mv,
            "hparams": {"epsilon": DEFAULTS["epsilon"] if epsilon is None else epsilon},
            "defaults": epsilon is None}


_MOMENTUM = st.sampled_from([0.99, 0.9, 0.5, 0.0]) | st.floats(0.05, 0.999)
_EPSILON = st.sampled_from([1e-3, 1e-5, 0.1]) | st.floats(1e-5, 0.1)
_SEED = st.integers(0, 2 ** 31 - 1)


@st.composite
def _train_case(draw, dtype):
    shape = draw(st.sampled_from(SHAPES_2D + SHAPES_4D))
    hp = {"momentum": draw(_MOMENTUM), "epsilon": draw(_EPSILON)}
    return train_inputs(shape, dtype, draw(st.integers(1, 3)), draw(_SEED), hp)


@st.composite
def _inference_case(draw, dtype):
    shape = draw(st.sampled_from(SHAPES_2D + SHAPES_4D))
    return inference_inputs(shape, dtype, draw(_SEED), draw(_EPSILON), draw(st.booleans()))


def _hp(momentum, epsilon):
    return {"momentum": momentum, "epsilon": epsilon}


def _train_public():
    f32, f64 = np.float32, np.float64
    cases = [
        (("defaults", "float32"), train_inputs((8, 4), f32, 3, 1)),
        (("defaults", "float32"), train_inputs((32, 6), f32, 2, 2)),
        (("defaults", "float32"), train_inputs((4, 3), f32, 1, 3)),
        (("4d", "float32"), train_inputs((2, 2, 2, 2), f32, 2, 12)),
        (("4d", "float32"), train_inputs((2, 4, 4, 3), f32, 3, 4)),
        (("4d", "float32"), train_inputs((3, 2, 5, 4), f32, 2, 5, _hp(0.9, 1e-5))),
        (("4d", "float32"), train_inputs((1, 3, 3, 2), f32, 2, 6)),   # one image: not degenerate
        (("float64",), train_inputs((8, 4), f64, 3, 7)),
        (("float64", "4d"), train_inputs((2, 3, 3, 5), f64, 2, 8, _hp(0.9, 1e-3))),
        (("float64",), train_inputs((6, 3), f64, 2, 9, _hp(0.5, 1e-5))),
        (("batch1", "float32"), train_inputs((1, 5), f32, 3, 10)),
        (("batch1",), train_inputs((1, 3), f64, 2, 11, _hp(0.9, 1e-5))),
    ]
    cases += [(("hparams", "float32"), c) for c in collect(_train_case(f32), 8)]
    return cases


def _train_hidden():
    f32, f64 = np.float32, np.float64
    cases = [
        (("hidden",), train_inputs((10, 4), f32, 3, 101, _hp(0.0, 1e-3))),
        (("hidden",), train_inputs((6, 3), f32, 2, 102, constant_feature=True)),
        (("hidden",), train_inputs((2, 3, 3, 4), f32, 2, 103, _hp(0.8, 0.01))),
        (("hidden",), train_inputs((1, 4), f32, 2, 104, _hp(0.9, 0.1))),
        (("hidden",), train_inputs((5, 2, 2, 3), f64, 3, 105)),
        (("hidden",), train_inputs((12, 5), f64, 2, 106, _hp(0.95, 1e-4))),
    ]
    cases += [(("hidden",), c) for c in collect(_train_case(f64), 4)]
    return cases


def _inference_public():
    f32, f64 = np.float32, np.float64
    cases = [
        (("defaults", "float32"), inference_inputs((8, 4), f32, 21)),
        (("defaults", "float32"), inference_inputs((16, 5), f32, 22, small_variance=True)),
        (("defaults", "float32"), inference_inputs((1, 3), f32, 23)),
        (("4d", "float32"), inference_inputs((2, 2, 2, 2), f32, 28)),
        (("4d", "float32"), inference_inputs((2, 4, 4, 3), f32, 24)),
        (("4d", "float32"), inference_inputs((3, 2, 3, 4), f32, 25, 1e-5, small_variance=True)),
        (("float64",), inference_inputs((8, 4), f64, 26)),
        (("float64", "4d"), inference_inputs((2, 3, 3, 2), f64, 27, 1e-2, small_variance=True)),
    ]
    cases += [(("hparams", "float32"), c) for c in collect(_inference_case(f32), 6)]
    return cases


def _inference_hidden():
    f32, f64 = np.float32, np.float64
    cases = [
        (("hidden",), inference_inputs((10, 3), f32, 121, small_variance=True)),
        (("hidden",), inference_inputs((1, 2, 2, 5), f32, 122, 0.1)),
        (("hidden",), inference_inputs((7, 4), f64, 123, 1e-5, small_variance=True)),
    ]
    cases += [(("hidden",), c) for c in collect(_inference_case(f64), 3)]
    return cases


def simulate_train(fn, inputs) -> dict:
    """Run a trusted numpy ``batchnorm_train`` (or a known mistake) along a case,
    feeding its moving statistics back as the grader feeds a student's."""
    dtype = inputs["xs"][0].dtype
    mm, mv = inputs["moving_mean"], inputs["moving_variance"]
    kw = {} if inputs["defaults"] else dict(inputs["hparams"])
    ys, means, variances = [], [], []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # e.g. ddof=1 on one example
        for x in inputs["xs"]:
            try:
                y, mm, mv = fn(x.copy(), inputs["gamma"].copy(), inputs["beta"].copy(), mm.copy(),
                               mv.copy(), **kw)
            except (ValueError, ZeroDivisionError):   # e.g. a shape that no longer broadcasts
                break
            y, mm, mv = (np.asarray(a).astype(dtype) for a in (y, mm, mv))
            ys.append(y)
            means.append(mm)
            variances.append(mv)
    return {"ys": ys, "moving_means": means, "moving_variances": variances}


def simulate_inference(fn, inputs) -> dict:
    kw = {} if inputs["defaults"] else dict(inputs["hparams"])
    with np.errstate(all="ignore"):
        y = fn(inputs["x"].copy(), inputs["gamma"].copy(), inputs["beta"].copy(),
               inputs["moving_mean"].copy(), inputs["moving_variance"].copy(), **kw)
    return {"y": np.asarray(y).astype(inputs["x"].dtype)}


def recorders():
    from .tf_batchnorm import batchnorm_inference_keras, batchnorm_train_keras

    return {
        TRAIN: PartRecorder(
            cases=_train_public, hidden_cases=_train_hidden, expected=batchnorm_train_keras,
            mistakes=lambda inputs: {fn.__name__: simulate_train(fn, inputs)
                                     for fn in M.MISTAKES[TRAIN]}),
        INFER: PartRecorder(
            cases=_inference_public, hidden_cases=_inference_hidden,
            expected=batchnorm_inference_keras,
            mistakes=lambda inputs: {fn.__name__: simulate_inference(fn, inputs)
                                     for fn in M.MISTAKES[INFER]}),
    }
