"""Checks of the two batch-norm parts: ``batchnorm_train`` and ``batchnorm_inference``
against Keras's ``layers.BatchNormalization`` (recorded), and properties that need no
reference.

Each part's checks call only its own function, so a bug in one never costs points in
the other.

Tolerances (keras-semantics R3). Keras forms ``y = x*inv + (beta - mean*inv)`` with
``inv = gamma / sqrt(var + epsilon)`` (TF's ``rsqrt``, ~3 ulp in float32), and
float32 rounds every term at ITS magnitude, which can be far larger than ``y``'s
(a batch of one example: ``y`` is beta, the terms are ``x*gamma/sqrt(epsilon)``). So
outputs are compared with ``rtol=1e-5`` and an ``atol`` proportional to the largest
term, :func:`term_scale`; moving statistics with ``rtol=1e-5`` and ``atol=1e-6``
times their magnitude. These hold for float32 and float64 implementations alike.
"""

from __future__ import annotations

import numpy as np
from grader.lazy_hypothesis import st  # hypothesis only when recording (see there)

from grader.declaration import Check, Part, Probe, T
from grader.checking import (Lazy, as_array, call_text, example, failed_call, fmt, mismatch, nonfinite,
                        relative_deviation, run_property, unpack)
from grader.errors import Failure
from grader.sandbox.runner import CallFailed
from . import strategies as S

TRAIN, INFER = "batchnorm_train", "batchnorm_inference"
RTOL = 1e-5
ATOL_PER_TERM = 2e-6      # atol of an output = this * term_scale(...)
ATOL_STATS = 1e-6         # atol of a moving statistic = this * max(1, its magnitude)
#: "Your outputs follow mistake X": the mistake reproduces every output the student
#: returned within this deviation, relative to the output's magnitude (a float32 or
#: float64 implementation of the mistake does; a different bug, e.g. a hard-coded
#: epsilon, does not). Property checks compute the mistake on the same input, in
#: float64, with a looser bound (their inputs are float32 or float64).
DIAG_DEV = 2e-5
PROP_DIAG_DEV = 1e-4

#: Named mistakes: the hint a student sees when their outputs follow the mistake's.
HINTS = {
    "batchnorm_unbiased_variance": T(
        "You divide the squared deviations by N-1. Keras (tf.nn.moments) uses the biased batch "
        "variance: the mean of (x - mean)**2, divided by N, in the output and in the moving "
        "variance.",
        "편차 제곱의 합을 N-1로 나눴습니다. Keras(tf.nn.moments)는 편향된 배치 분산, 즉 N으로 나눈 "
        "(x - mean)**2의 평균을 출력과 이동 분산 모두에 씁니다."),
    "batchnorm_moving_uses_unbiased_variance": T(
        "Your output is right but your moving variance uses the unbiased (N-1) variance, as "
        "PyTorch does. Keras puts the same biased variance it normalised with into the moving "
        "average.",
        "출력은 맞지만 이동 분산에 PyTorch처럼 불편(N-1) 분산을 넣었습니다. Keras는 정규화에 쓴 "
        "것과 같은 편향 분산을 이동 평균에 넣습니다."),
    "batchnorm_eps_outside_sqrt": T(
        "epsilon goes INSIDE the square root: (x - mean) / sqrt(var + epsilon), not sqrt(var) + "
        "epsilon.",
        "epsilon은 제곱근 '안'에 들어갑니다: (x - mean) / sqrt(var + epsilon). sqrt(var) + "
        "epsilon이 아닙니다."),
    "batchnorm_momentum_swapped": T(
        "momentum is the weight of the OLD moving value: moving = momentum*moving + (1 - "
        "momentum)*batch_stat. With 0.99 the moving statistics change slowly; yours jump to the "
        "batch's.",
        "momentum은 '이전' 이동값에 곱하는 가중치입니다: moving = momentum*moving + (1 - "
        "momentum)*batch_stat. 0.99면 이동 통계가 천천히 변해야 하는데, 배치 통계로 바로 바뀌고 "
        "있습니다."),
    "batchnorm_stats_over_wrong_axis": T(
        "For image batches (N, H, W, C) each channel has ONE mean and variance, taken over the "
        "batch AND every pixel (axes 0, 1, 2), not over the batch axis alone.",
        "이미지 배치 (N, H, W, C)에서는 채널마다 평균과 분산이 하나씩이고, 배치와 모든 픽셀(축 0, "
        "1, 2)에 걸쳐 계산합니다. 배치 축 하나만으로 계산하면 안 됩니다."),
    "batchnorm_stats_over_features": T(
        "You normalise each example over its features (that is layer normalisation). Batch norm "
        "normalises each feature over the batch: reduce over every axis except the last.",
        "각 예제를 특성들에 걸쳐 정규화했습니다(그건 층 정규화, layer normalization입니다). 배치 "
        "정규화는 각 특성을 배치에 걸쳐 정규화합니다: 마지막 축을 뺀 모든 축으로 줄이세요."),
    "batchnorm_train_uses_moving_stats": T(
        "In training, batch norm normalises with THIS batch's mean and variance; the moving "
        "statistics are only updated (they are used at inference).",
        "학습 중 배치 정규화는 '이번 배치'의 평균과 분산으로 정규화합니다. 이동 통계는 갱신만 "
        "하고, 추론 때 씁니다."),
    "batchnorm_train_no_gamma_beta": T(
        "After normalising, scale by gamma and shift by beta: y = x_hat * gamma + beta (they are "
        "the layer's learned parameters); your y is x_hat itself.",
        "정규화한 뒤 gamma로 스케일하고 beta로 이동하세요: y = x_hat * gamma + beta (층이 학습하는 "
        "파라미터입니다). 지금 y는 x_hat 그 자체입니다."),
    "batchnorm_train_no_beta": T(
        "After normalising and scaling by gamma, shift by beta: y = x_hat * gamma + beta; your y "
        "has no beta.",
        "정규화하고 gamma로 스케일한 뒤 beta만큼 이동하세요: y = x_hat * gamma + beta. 지금 y에는 "
        "beta가 없습니다."),
    "batchnorm_train_no_gamma": T(
        "After normalising, scale by gamma before shifting by beta: y = x_hat * gamma + beta; your "
        "y is x_hat + beta (no gamma).",
        "정규화한 뒤 beta로 이동하기 전에 gamma로 스케일하세요: y = x_hat * gamma + beta. 지금 y는 "
        "x_hat + beta입니다(gamma가 없습니다)."),
    "batchnorm_moving_variance_is_std": T(
        "Your output is right but your moving variance averages the standard deviation sqrt(var + "
        "epsilon): Keras averages the batch VARIANCE itself: moving_variance = "
        "momentum*moving_variance + (1 - momentum)*var.",
        "출력은 맞지만 이동 분산에 표준편차 sqrt(var + epsilon)을 평균하고 있습니다. Keras는 배치 "
        "'분산' 자체를 평균합니다: moving_variance = momentum*moving_variance + (1 - "
        "momentum)*var."),
    "batchnorm_moving_variance_is_std_no_eps": T(
        "Your output is right but your moving variance averages the standard deviation sqrt(var) "
        "(np.std): Keras averages the batch VARIANCE itself: moving_variance = "
        "momentum*moving_variance + (1 - momentum)*var.",
        "출력은 맞지만 이동 분산에 표준편차 sqrt(var)(np.std)를 평균하고 있습니다. Keras는 배치 "
        "'분산' 자체를 평균합니다: moving_variance = momentum*moving_variance + (1 - "
        "momentum)*var."),
    "batchnorm_uncentred_variance": T(
        "The variance is the mean of (x - mean)**2 over the batch, not the mean of x**2: subtract "
        "the batch mean before squaring (np.var does).",
        "분산은 x**2의 평균이 아니라 배치에 대한 (x - mean)**2의 평균입니다: 제곱하기 전에 배치 "
        "평균을 빼세요(np.var가 그렇게 합니다)."),
    "batchnorm_inference_uses_batch_stats": T(
        "At inference Keras normalises with the MOVING mean and variance, never with the batch's "
        "own statistics, so an example's output does not depend on the rest of the batch.",
        "추론 때 Keras는 배치 자신의 통계가 아니라 이동 평균과 이동 분산으로 정규화합니다. 그래서 "
        "한 예제의 출력이 배치의 다른 예제에 좌우되지 않습니다."),
    "batchnorm_inference_eps_outside_sqrt": T(
        "epsilon goes INSIDE the square root: (x - moving_mean) / sqrt(moving_variance + epsilon).",
        "epsilon은 제곱근 '안'에 들어갑니다: (x - moving_mean) / sqrt(moving_variance + epsilon)."),
    "batchnorm_inference_no_sqrt": T(
        "Divide by the standard deviation sqrt(moving_variance + epsilon), not by the variance "
        "itself.",
        "분산 자체가 아니라 표준편차 sqrt(moving_variance + epsilon)으로 나누세요."),
    "batchnorm_inference_no_gamma_beta": T(
        "After normalising, scale by gamma and shift by beta: y = x_hat * gamma + beta (they are "
        "the layer's learned parameters).",
        "정규화한 뒤 gamma로 스케일하고 beta만큼 이동하세요: y = x_hat * gamma + beta (둘 다 층이 "
        "학습하는 파라미터입니다)."),
    "batchnorm_inference_no_beta": T(
        "After normalising and scaling by gamma, shift by beta: y = x_hat * gamma + beta; your y "
        "has no beta.",
        "정규화하고 gamma로 스케일한 뒤 beta만큼 이동하세요: y = x_hat * gamma + beta. 지금 y에는 "
        "beta가 없습니다."),
    "batchnorm_inference_no_gamma": T(
        "After normalising, scale by gamma before shifting by beta: y = x_hat * gamma + beta; your "
        "y is x_hat + beta (no gamma).",
        "정규화한 뒤 beta로 이동하기 전에 gamma로 스케일하세요: y = x_hat * gamma + beta. 지금 y는 "
        "x_hat + beta입니다(gamma가 없습니다)."),
    "batchnorm_inference_swapped_gamma_beta": T(
        "gamma is the scale and beta the offset: y = x_hat * gamma + beta; you swapped them.",
        "gamma는 스케일, beta는 오프셋입니다: y = x_hat * gamma + beta. 둘이 바뀌었습니다."),
}


# -- tolerances -----------------------------------------------------------------------

def batch_stats(x):
    """The biased per-feature mean and variance of ``x`` over every axis but the last,
    in float64 (the batch statistics the docstring defines)."""
    x = np.asarray(x, dtype=np.float64)
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes)
    return mean, np.square(x - mean).mean(axis=axes)


def term_scale(x, gamma, beta, mean, var, epsilon) -> float:
    """The magnitude of the largest term Keras adds up to form the output:
    ``max(1, |x*inv|, |mean*inv|, |beta|)`` with ``inv = |gamma| / sqrt(var + epsilon)``."""
    f = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    inv = np.abs(f(gamma)) / np.sqrt(f(var) + epsilon)
    return float(max(1.0, np.max(np.abs(f(x) * inv)), np.max(np.abs(f(mean) * inv)),
                     np.max(np.abs(f(beta)))))


def _stats_atol(*arrays) -> float:
    return ATOL_STATS * max(1.0, *(float(np.max(np.abs(np.asarray(a, np.float64)), initial=0.0))
                                   for a in arrays))


def _mean_square(x):
    """The per-feature mean of x**2: a float32 variance is exact to a few ulp of it
    (the one-pass formula E[x**2] - E[x]**2 is accepted)."""
    return np.square(np.asarray(x, np.float64)).mean(axis=tuple(range(np.ndim(x) - 1)))


def _numeric(value, what):
    """A returned array, numeric, of whatever shape (shapes are compared later so that
    a wrong shape can still be matched with a known mistake)."""
    if isinstance(value, (tuple, list)):
        raise Failure(f"{what} is a {type(value).__name__}, expected a numpy array")
    as_array(value, what, np.shape(np.asarray(value)) if value is not None else ())
    return np.asarray(value)


def _compare(name, got, want, rtol, atol) -> str | None:
    if got.shape != np.shape(want):
        return f"{name} has shape {got.shape}, expected {np.shape(want)}"
    bad = mismatch(got, want, rtol, atol)
    return f"{name}: {bad}" if bad else None


def _eps(inputs) -> float:
    return 1e-3 if inputs.get("defaults") else inputs["hparams"]["epsilon"]


def _kwargs(inputs, names) -> dict:
    return {} if inputs.get("defaults") else {k: inputs["hparams"][k] for k in names}


# -- running a recorded case ----------------------------------------------------------

def _call(ctx, fn, args, kwargs, where):
    try:
        return ctx.call(fn, *args, **kwargs)
    except CallFailed as exc:
        f = failed_call(exc, f"`{fn}`")
        f.example = example(where, error=f.message.splitlines()[0])
        raise f from None


def run_train_case(ctx, case):
    """Call the student's ``batchnorm_train`` on each batch of a case, feeding its own
    moving statistics back in (as a layer does). Stops at the first call that differs
    from Keras. Returns ``(outputs, None)`` or ``(outputs_so_far, (k, detail, where))``;
    ``outputs`` holds ``(y, new_moving_mean, new_moving_variance)`` per call."""
    inp, exp = case.inputs, case.expected
    xs = inp["xs"]
    dtype = xs[0].dtype
    mm, mv = inp["moving_mean"], inp["moving_variance"]
    kwargs = _kwargs(inp, ("momentum", "epsilon"))
    outputs = []
    for k, x in enumerate(xs):
        args = [x, inp["gamma"], inp["beta"], mm, mv]
        where = Lazy(lambda k=k, call=call_text(TRAIN, args, kwargs):
                     f"call {k + 1} of {len(xs)}: {call}")
        out = _call(ctx, TRAIN, args, kwargs, where)
        try:
            out = unpack(out, 3, f"`{TRAIN}`")
            got = tuple(_numeric(o, f"the returned {n}") for o, n in
                        zip(out, ("y", "new_moving_mean", "new_moving_variance")))
        except Failure as f:
            f.example = example(where, got=_short(out))
            raise
        outputs.append(got)
        mean, var = batch_stats(x)
        y_atol = ATOL_PER_TERM * term_scale(x, inp["gamma"], inp["beta"], mean, var, _eps(inp))
        want = (exp["ys"][k], exp["moving_means"][k], exp["moving_variances"][k])
        detail = (_compare("y", got[0], want[0], RTOL, y_atol)
                  or _compare("new_moving_mean", got[1], want[1], RTOL,
                              _stats_atol(want[1], mm))
                  or _compare("new_moving_variance", got[2], want[2], RTOL,
                              _stats_atol(want[2], mv)))
        if detail:
            return outputs, (k, detail, where)
        mm, mv = got[1].astype(dtype), got[2].astype(dtype)
    return outputs, None


def run_inference_case(ctx, case):
    """Call the student's ``batchnorm_inference`` on a case. Returns ``([y], None)`` or
    ``([y], (0, detail, where))``."""
    inp = case.inputs
    args = [inp["x"], inp["gamma"], inp["beta"], inp["moving_mean"], inp["moving_variance"]]
    kwargs = _kwargs(inp, ("epsilon",))
    where = call_text(INFER, args, kwargs)
    out = _call(ctx, INFER, args, kwargs, where)
    try:
        y = _numeric(out, f"the value returned by `{INFER}`")
    except Failure as f:
        f.example = example(where, got=_short(out))
        raise
    atol = ATOL_PER_TERM * term_scale(*args, _eps(inp))
    detail = _compare("y", y, case.expected["y"], RTOL, atol)
    return [(y,)], ((0, detail, where) if detail else None)


def _fails_case(fn, case, calls) -> bool:
    """Would outputs ``calls`` (per call, as :func:`_as_calls`) fail this case of the
    reference check? (A known mistake whose recorded outputs fail a case that the
    student passes is not what the student did.)"""
    inp, exp = case.inputs, _as_calls(case.expected)
    if len(calls) < len(exp):
        return True
    if fn == INFER:
        args = [inp["x"], inp["gamma"], inp["beta"], inp["moving_mean"], inp["moving_variance"]]
        atol = ATOL_PER_TERM * term_scale(*args, _eps(inp))
        return _compare("y", np.asarray(calls[0][0]), exp[0][0], RTOL, atol) is not None
    mm, mv = inp["moving_mean"], inp["moving_variance"]
    for k, x in enumerate(inp["xs"]):
        got = tuple(np.asarray(a) for a in calls[k])
        mean, var = batch_stats(x)
        y_atol = ATOL_PER_TERM * term_scale(x, inp["gamma"], inp["beta"], mean, var, _eps(inp))
        if (_compare("y", got[0], exp[k][0], RTOL, y_atol)
                or _compare("m", got[1], exp[k][1], RTOL, _stats_atol(exp[k][1], mm))
                or _compare("v", got[2], exp[k][2], RTOL, _stats_atol(exp[k][2], mv))):
            return True
        mm, mv = got[1], got[2]
    return False


def _short(value) -> str:
    text = fmt(value)
    return text if len(text) < 400 else text[:400] + "..."


def _as_calls(record: dict) -> list[tuple]:
    """Recorded outputs (expected or a mistake's) as a list of per-call tuples."""
    if "y" in record:
        return [(record["y"],)]
    return list(zip(record["ys"], record["moving_means"], record["moving_variances"]))


def _deviation(outputs, record) -> float:
    calls = _as_calls(record)
    if len(calls) < len(outputs):
        return np.inf
    return max((relative_deviation(g, r) for got, ref in zip(outputs, calls)
                for g, r in zip(got, ref)), default=np.inf)


def closest_mistake(outputs, mistakes: dict, threshold: float = DIAG_DEV) -> str:
    """The known mistake whose outputs (same shapes, values within ``threshold``
    relative to their scale, on every call made) the student's follow, or ""."""
    return closest_everywhere([(outputs, mistakes)], threshold)


def closest_everywhere(failing, threshold: float = DIAG_DEV, contradicted=frozenset()) -> str:
    """The known mistake that reproduces the student's outputs on EVERY failing case
    (``failing``: ``[(outputs, case.mistakes)]``) and is not ``contradicted`` by a
    passing case, or ""."""
    best, best_dev, found = "", threshold, []
    for mistake_id in failing[0][1] if failing else ():
        if mistake_id in contradicted:
            continue
        dev = max(_deviation(outputs, mistakes[mistake_id]) if mistake_id in mistakes else np.inf
                  for outputs, mistakes in failing)
        if dev <= threshold:
            found.append(mistake_id)
        if dev <= best_dev:
            best, best_dev = mistake_id, dev
    # two mistakes giving the same outputs on every failing case (on a batch of one example
    # "no beta" and "no gamma and no beta" both give zeros): the evidence does not say which
    if best and any(m != best and _same_outputs(failing, best, m) for m in found):
        return ""
    return best


def _same_outputs(failing, a: str, b: str) -> bool:
    """Do mistakes ``a`` and ``b`` give the same recorded outputs on every failing case?"""
    return all(_deviation(_as_calls(mistakes[a]), mistakes[b]) <= 1e-12 for _, mistakes in failing)


def _named(names, values) -> str:
    return "\n".join(f"{n} = {fmt(v)}" for n, v in zip(names, values))


def reference_check(fn: str, *, tag=None, hidden=False):
    """Compare the student's outputs with Keras's on the recorded cases with ``tag``;
    fail on the smallest failing case, naming the known mistake it follows."""
    runner = run_train_case if fn == TRAIN else run_inference_case
    names = ("y", "new_moving_mean", "new_moving_variance") if fn == TRAIN else ("y",)

    def run(ctx):
        cases = ctx.cases(hidden=hidden, tag=tag)
        if not cases:
            raise Failure("no recorded cases for this check")
        failing, first, passed = [], None, []
        for case in cases:
            outputs, bad = runner(ctx, case)
            if bad is None:
                passed.append(case)
                continue
            failing.append((outputs, case.mistakes))
            if first is None:
                k, detail, where = bad
                want = _as_calls(case.expected)[k]
                calls = f" at call {k + 1}" if fn == TRAIN else ""
                first = Failure(f"differs from Keras{calls} ({detail})",
                                example=example(where, expected=_named(names, want),
                                                got=_named(names, outputs[k])))
        if first is not None:
            if len(failing) > 1:
                first.message += f" [{len(failing)} of {len(cases)} cases differ]"
            # a mistake that would fail a case the student passes is not what they did
            contradicted = {m for c in passed for m, rec in c.mistakes.items()
                            if _fails_case(fn, c, _as_calls(rec))}
            first.diagnosis = closest_everywhere(failing, contradicted=contradicted)
            raise first
        return None

    return run


# -- known mistakes as trusted formulas (for the property checks) -----------------------

def _f64(*arrays):
    return [np.asarray(a, np.float64) for a in arrays]


def _norm(x, mean, var, gamma, beta, eps):
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def _train_models(x, gamma, beta, mm, mv, momentum, eps) -> dict:
    """``{mistake: (y, new_moving_mean, new_moving_variance)}`` of the known training
    mistakes on one call, in float64 (NaN where the mistake divides by zero)."""
    x, gamma, beta, mm, mv = _f64(x, gamma, beta, mm, mv)
    axes = tuple(range(x.ndim - 1))
    n = x.size // max(1, x.shape[-1])
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    move = lambda old, new: momentum * old + (1 - momentum) * new  # noqa: E731
    with np.errstate(all="ignore"):
        unbiased = var * n / (n - 1) if n > 1 else var * np.nan
        out = {
            "batchnorm_unbiased_variance": (_norm(x, mean, unbiased, gamma, beta, eps),
                                            move(mm, mean), move(mv, unbiased)),
            "batchnorm_moving_uses_unbiased_variance": (_norm(x, mean, var, gamma, beta, eps),
                                                        move(mm, mean), move(mv, unbiased)),
            "batchnorm_eps_outside_sqrt": ((x - mean) / (np.sqrt(var) + eps) * gamma + beta,
                                           move(mm, mean), move(mv, var)),
            "batchnorm_momentum_swapped": (_norm(x, mean, var, gamma, beta, eps),
                                           (1 - momentum) * mm + momentum * mean,
                                           (1 - momentum) * mv + momentum * var),
            "batchnorm_train_uses_moving_stats": (_norm(x, mm, mv, gamma, beta, eps),
                                                  move(mm, mean), move(mv, var)),
            "batchnorm_train_no_gamma_beta": (_norm(x, mean, var, 1.0, 0.0, eps),
                                              move(mm, mean), move(mv, var)),
        }
        out["batchnorm_train_no_beta"] = (_norm(x, mean, var, gamma, 0.0, eps),
                                          move(mm, mean), move(mv, var))
        out["batchnorm_train_no_gamma"] = (_norm(x, mean, var, 1.0, beta, eps),
                                           move(mm, mean), move(mv, var))
        out["batchnorm_moving_variance_is_std"] = (_norm(x, mean, var, gamma, beta, eps),
                                                   move(mm, mean), move(mv, np.sqrt(var + eps)))
        out["batchnorm_moving_variance_is_std_no_eps"] = (
            _norm(x, mean, var, gamma, beta, eps), move(mm, mean), move(mv, np.sqrt(var)))
        raw = np.square(x).mean(axis=axes)
        out["batchnorm_uncentred_variance"] = (_norm(x, mean, raw, gamma, beta, eps),
                                               move(mm, mean), move(mv, raw))
        m0, v0 = x.mean(axis=0), x.var(axis=0)
        out["batchnorm_stats_over_wrong_axis"] = (_norm(x, m0, v0, gamma, beta, eps),
                                                  move(mm, m0), move(mv, v0))
        mf, vf = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
        out["batchnorm_stats_over_features"] = (_norm(x, mf, vf, gamma, beta, eps),
                                                move(mm, mf), move(mv, vf))
    return out


def _inference_models(x, gamma, beta, mm, mv, eps) -> dict:
    """``{mistake: y}`` of the known inference mistakes, in float64."""
    x, gamma, beta, mm, mv = _f64(x, gamma, beta, mm, mv)
    axes = tuple(range(x.ndim - 1))
    with np.errstate(all="ignore"):
        return {
            "batchnorm_inference_uses_batch_stats":
                _norm(x, x.mean(axis=axes), x.var(axis=axes), gamma, beta, eps),
            "batchnorm_inference_eps_outside_sqrt": (x - mm) / (np.sqrt(mv) + eps) * gamma + beta,
            "batchnorm_inference_no_sqrt": (x - mm) / (mv + eps) * gamma + beta,
            "batchnorm_inference_no_gamma_beta": (x - mm) / np.sqrt(mv + eps),
            "batchnorm_inference_swapped_gamma_beta": _norm(x, mm, mv, beta, gamma, eps),
            "batchnorm_inference_no_beta": _norm(x, mm, mv, gamma, 0.0, eps),
            "batchnorm_inference_no_gamma": _norm(x, mm, mv, 1.0, beta, eps),
        }


def reproducing(got: tuple, models: dict, threshold: float = PROP_DIAG_DEV) -> str:
    """The one model whose outputs reproduce ``got`` (a tuple of arrays, None for an
    output not compared) within ``threshold``; "" when none does, or several do (the
    evidence does not say which)."""
    found = []
    for mistake_id, outs in models.items():
        outs = outs if isinstance(outs, tuple) else (outs,)
        dev = max((relative_deviation(g, r) for g, r in zip(got, outs) if g is not None),
                  default=np.inf)
        if dev <= threshold:
            found.append(mistake_id)
    return found[0] if len(found) == 1 else ""


def _raw(value):
    """A returned output as a float64 array when it is numeric, else None."""
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - whatever came back
        return None
    return arr.astype(np.float64) if arr.dtype.kind in "biuf" else None


# -- properties (no reference needed) -------------------------------------------------

_SHAPES = st.one_of(st.tuples(st.integers(1, 10), st.integers(1, 4)),
                    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
                              st.integers(1, 3)))


@st.composite
def _batch(draw, min_batch=1):
    """A float32 or float64 batch of shape (N, D) or (N, H, W, D), values around an
    offset (so that the mean matters)."""
    dtype = draw(S.dtypes())
    shape = list(draw(_SHAPES))
    shape[0] = max(shape[0], min_batch)
    x = draw(S.arrays(dtype, tuple(shape), -3.0, 3.0))
    offset = draw(st.floats(-5.0, 5.0, allow_subnormal=False))
    return (x.astype(np.float64) + offset).astype(dtype)


@st.composite
def _params(draw, x, gamma_one=False):
    """gamma, beta, moving_mean, moving_variance for ``x`` (gamma=1, beta=0 if asked)."""
    d, dtype = x.shape[-1], x.dtype
    if gamma_one:
        gamma, beta = np.ones(d, dtype), np.zeros(d, dtype)
    else:
        gamma = draw(S.arrays(dtype, (d,), -2.0, 2.0, away_from_zero=0.2))
        beta = draw(S.arrays(dtype, (d,), -2.0, 2.0))
    mm = draw(S.arrays(dtype, (d,), -2.0, 2.0))
    mv = draw(S.arrays(dtype, (d,), 0.05, 3.0))
    return gamma, beta, mm, mv


_EPSILONS = st.sampled_from([1e-3, 1e-2, 0.1, 1e-5])
_LARGER_EPSILONS = st.sampled_from([1e-3, 1e-2, 0.1])
_MOMENTA = st.sampled_from([0.99, 0.9, 0.5])


@st.composite
def _normalised_inputs(draw):
    x = draw(_batch())
    gamma, beta, mm, mv = draw(_params(x, gamma_one=True))
    kw = {"momentum": draw(_MOMENTA), "epsilon": draw(_LARGER_EPSILONS)}
    return [x, gamma, beta, mm, mv], kw


def normalised_output():
    """With gamma=1, beta=0 each feature of the output has mean 0 and (biased)
    variance var/(var + epsilon), var being the feature's batch variance."""

    def run(ctx):
        def body(ex):
            args, kw = ex
            x = args[0]
            out = unpack(ctx.call(TRAIN, *args, **kw), 3, f"`{TRAIN}`")
            diag = Lazy(lambda: reproducing((_raw(out[0]),), _train_models(
                *args, kw["momentum"], kw["epsilon"])))
            try:
                y = as_array(out[0], "the returned y", x.shape)
            except Failure as f:
                f.diagnosis = str(diag)
                raise
            if nonfinite(y):
                raise Failure("y contains NaN or inf", example=example(call_text(TRAIN, args, kw),
                                                                         got=fmt(y)),
                              diagnosis=str(diag))
            mean, var = batch_stats(x)
            delta = ATOL_PER_TERM * term_scale(x, args[1], args[2], mean, var, kw["epsilon"]) \
                + RTOL * float(np.max(np.abs(y)))
            y_mean, y_var = batch_stats(y)
            want_var = var / (var + kw["epsilon"])
            what, rule, want, got = "mean", "0", np.zeros_like(y_mean), y_mean
            bad = mismatch(got, want, 0.0, delta)
            if not bad:
                what, rule, want, got = "variance", "var/(var + epsilon)", want_var, y_var
                # rtol 1e-3: float32 variances of badly conditioned columns (a large mean,
                # a small spread) are inexact; every known mistake is off by > 1e-2.
                bad = mismatch(got, want, 1e-3, 2 * float(np.max(np.abs(y))) * delta + delta ** 2)
            if bad:
                raise Failure(f"with gamma=1 and beta=0, each feature of y should have {what} "
                              f"{rule} over the batch (every axis but the last): {bad}",
                              example=example(call_text(TRAIN, args, kw),
                                              expected=f"per-feature {what} of y = {fmt(want)}",
                                              got=fmt(got)),
                              diagnosis=str(diag))
            # ... and the moving statistics move: a correct y alone is not a layer in
            # training (returning the old moving statistics earns nothing here)
            mm, mv = args[3], args[4]
            gap = np.abs(mean - mm) + np.abs(var - mv)
            if kw["momentum"] < 1 and np.any(gap > 1e-3):
                new = (_raw(out[1]), _raw(out[2]))
                if any(n is None or n.shape != mm.shape for n in new):
                    shapes = ", ".join(str(None if n is None else n.shape) for n in new)
                    raise Failure(f"the returned moving statistics have shapes {shapes}, expected "
                                  f"{mm.shape} (one value per feature)",
                                  example=example(call_text(TRAIN, args, kw),
                                                  expected=f"two arrays of shape {mm.shape}",
                                                  got=_named(("new_moving_mean",
                                                              "new_moving_variance"), out[1:])),
                                  diagnosis=reproducing((_raw(out[0]), *new), _train_models(
                                      *args, kw["momentum"], kw["epsilon"])))
                if all(np.array_equal(n, np.asarray(o, np.float64)) for n, o in zip(new, (mm, mv))):
                    raise Failure("the returned moving statistics are not updated: in training "
                                  "they move towards the batch's mean and variance "
                                  "(moving = momentum*moving + (1 - momentum)*batch statistic)",
                                  example=example(call_text(TRAIN, args, kw),
                                                  expected="new moving statistics",
                                                  got=_named(("new_moving_mean",
                                                              "new_moving_variance"), out[1:])))

        run_property(_normalised_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=lambda ex: example(call_text(TRAIN, ex[0], ex[1])))
    return run


@st.composite
def _repeated_inputs(draw):
    x = draw(_batch())
    gamma, beta, mm, mv = draw(_params(x))
    kw = {"momentum": draw(_MOMENTA), "epsilon": draw(_EPSILONS)}
    return [x, gamma, beta, mm, mv], kw, draw(st.integers(1, 6))


def moving_stats_converge():
    """Training n times on the same batch (mean m, biased variance v) takes the moving
    mean from m0 to m + (m0 - m) * momentum**n, and the moving variance likewise."""

    names = ("moving_mean", "moving_variance")

    def run(ctx):
        def body(ex):
            args, kw, n = ex
            x, gamma, beta, mm0, mv0 = args
            mm, mv = mm0, mv0

            def named(got):
                """The mistake reproducing the moving statistics after n calls, or ""."""
                models = {}
                for mistake in _train_models(x, gamma, beta, mm0, mv0, kw["momentum"],
                                             kw["epsilon"]):
                    m, v = mm0, mv0
                    for _ in range(n):
                        y, m, v = _train_models(x, gamma, beta, m, v, kw["momentum"],
                                                kw["epsilon"])[mistake]
                    models[mistake] = (m, v, y)
                return reproducing(got + (_raw(out[0]),), models)

            for k in range(n):
                out = unpack(ctx.call(TRAIN, x, gamma, beta, mm, mv, **kw), 3, f"`{TRAIN}`")
                try:
                    mm = as_array(out[1], "the returned new_moving_mean",
                                  mm0.shape).astype(x.dtype)
                    mv = as_array(out[2], "the returned new_moving_variance",
                                  mv0.shape).astype(x.dtype)
                except Failure as f:
                    if k == 0 and n == 1:
                        f.diagnosis = named((_raw(out[1]), _raw(out[2])))
                    raise
            mean, var = batch_stats(x)
            p = kw["momentum"] ** n
            want_m = mean + (mm0.astype(np.float64) - mean) * p
            want_v = var + (mv0.astype(np.float64) - var) * p
            bad = (mismatch(mm, want_m, RTOL, n * _stats_atol(want_m, mm0, x))
                   or mismatch(mv, want_v, RTOL, n * _stats_atol(want_v, mv0, _mean_square(x))))
            if bad:
                raise Failure(f"after {n} training call(s) on the same batch (batch mean m, biased "
                              f"variance v) the moving mean should be m + (m0 - m)*momentum**{n} "
                              f"and the moving variance v + (v0 - v)*momentum**{n}: {bad}",
                              example=example(f"{n} x {call_text(TRAIN, args, kw)}, feeding back "
                                              "the new moving statistics",
                                              expected=_named(names, (want_m, want_v)),
                                              got=_named(names, (mm, mv))),
                              diagnosis=named((mm, mv)))

        run_property(_repeated_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=lambda ex: example(f"{ex[2]} x {call_text(TRAIN, ex[0], ex[1])}"))
    return run


@st.composite
def _inference_inputs(draw, min_batch=1):
    x = draw(_batch(min_batch))
    gamma, beta, mm, mv = draw(_params(x))
    return [x, gamma, beta, mm, mv], {"epsilon": draw(_EPSILONS)}


def inference_with_batch_stats():
    """With the batch's own mean and (biased) variance as the moving statistics,
    inference gives the training output (x - mean)/sqrt(var + epsilon)*gamma + beta."""

    def run(ctx):
        def body(ex):
            (x, gamma, beta, _, _), kw = ex
            mean, var = batch_stats(x)
            mm, mv = mean.astype(x.dtype), var.astype(x.dtype)
            args = [x, gamma, beta, mm, mv]
            f = lambda a: np.asarray(a, np.float64)  # noqa: E731
            want = (f(x) - f(mm)) / np.sqrt(f(mv) + kw["epsilon"]) * f(gamma) + f(beta)
            out = ctx.call(INFER, *args, **kw)
            diag = Lazy(lambda: reproducing((_raw(out),), _inference_models(*args,
                                                                           kw["epsilon"])))
            try:
                y = as_array(out, f"the value returned by `{INFER}`", x.shape)
            except Failure as f:
                f.diagnosis = str(diag)
                raise
            bad = mismatch(y, want, RTOL, ATOL_PER_TERM * term_scale(*args, kw["epsilon"]))
            if bad:
                raise Failure("with moving_mean and moving_variance equal to the batch's own mean "
                              "and variance, inference should give the training output "
                              f"(x - mean)/sqrt(var + epsilon)*gamma + beta: {bad}",
                              example=example(call_text(INFER, args, kw), expected=fmt(want),
                                              got=fmt(y)),
                              diagnosis=str(diag))

        run_property(_inference_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=lambda ex: example(call_text(INFER, ex[0], ex[1])))
    return run


def inference_per_example():
    """At inference each example is normalised on its own: the outputs for the first k
    examples do not change when the rest of the batch is dropped. Folded in, so that a
    constant (beta, zeros) or x itself earns nothing here: an example equal to
    moving_mean gives beta, one sqrt(moving_variance + epsilon) above it gamma + beta."""

    def run(ctx):
        def body(ex):
            args, kw = ex
            x = args[0]
            k = max(1, x.shape[0] // 2)
            y = as_array(ctx.call(INFER, *args, **kw), f"the value returned by `{INFER}`", x.shape)
            part_args = [x[:k].copy(), *args[1:]]
            y_part = as_array(ctx.call(INFER, *part_args, **kw), f"the value returned by `{INFER}`",
                              part_args[0].shape)
            bad = mismatch(y_part, y[:k], RTOL, ATOL_PER_TERM * term_scale(*args, kw["epsilon"]))
            if not bad:
                # ... and not because the output ignores the statistics (x, zeros, or a
                # constant such as beta): an example equal to moving_mean is normalised to 0
                # (output beta), one a standard deviation above it to 1 (gamma + beta)
                gamma, beta, mm, mv = args[1:]
                f64 = lambda a: np.asarray(a, np.float64)  # noqa: E731
                shape = (2,) + x.shape[1:]
                x0 = np.stack([np.broadcast_to(f64(mm), shape[1:]),
                               np.broadcast_to(f64(mm) + np.sqrt(f64(mv) + kw["epsilon"]),
                                               shape[1:])]).astype(x.dtype)
                args0 = [x0, gamma, beta, mm, mv]
                out0 = ctx.call(INFER, *args0, **kw)
                diag = reproducing((_raw(out0),), _inference_models(*args0, kw["epsilon"]))
                try:
                    y0 = as_array(out0, f"the value returned by `{INFER}`", x0.shape)
                except Failure as f:
                    f.diagnosis = diag
                    raise
                want0 = ((f64(x0) - f64(mm)) / np.sqrt(f64(mv) + kw["epsilon"]) * f64(gamma)
                         + f64(beta))
                bad0 = mismatch(y0, want0, RTOL, ATOL_PER_TERM * term_scale(*args0, kw["epsilon"]))
                if bad0:
                    raise Failure("an example equal to moving_mean is normalised to 0, so its "
                                  "output must be beta, and one a standard deviation "
                                  "sqrt(moving_variance + epsilon) above it is normalised to 1, "
                                  f"so its output must be gamma + beta: {bad0}",
                                  example=example(call_text(INFER, args0, kw),
                                                  expected=fmt(want0), got=fmt(y0)),
                                  diagnosis=diag)
                return
            if bad:
                raise Failure(f"the outputs of the first {k} example(s) changed when the rest "
                              f"of the batch was left out ({bad}); inference must use only the "
                              "moving statistics, never the batch's",
                              example=example(call_text(INFER, args, kw) + f"  and with x[:{k}]",
                                              expected=f"y[:{k}] = {fmt(y[:k])}", got=fmt(y_part)),
                              diagnosis=reproducing((y,), _inference_models(*args,
                                                                            kw["epsilon"])))

        run_property(_inference_inputs(min_batch=2), body, max_examples=ctx.settings.max_examples,
                     describe=lambda ex: example(call_text(INFER, ex[0], ex[1])))
    return run


# -- the parts ------------------------------------------------------------------------

def _train_checks():
    ref = lambda **kw: reference_check(TRAIN, **kw)  # noqa: E731
    return (
        Check(T("matches Keras BatchNormalization() with its defaults on (batch, features) inputs",
                "(batch, features) 입력에서 기본값의 Keras BatchNormalization()과 같은 결과"),
              ref(tag="defaults"), weight=3, hints=HINTS),
        Check(T("matches Keras on image batches (batch, height, width, channels)",
                "이미지 배치 (batch, height, width, channels)에서 Keras와 같은 결과"),
              ref(tag="4d"), weight=2, hints=HINTS),
        Check(T("matches Keras with other momentum and epsilon values",
                "다른 momentum, epsilon 값에서도 Keras와 같은 결과"),
              ref(tag="hparams"), weight=2, hints=HINTS),
        Check(T("matches Keras on float64 inputs",
                "float64 입력에서 Keras와 같은 결과"),
              ref(tag="float64"), weight=1, hints=HINTS),
        Check(T("a batch of one example (variance 0) gives about beta, as in Keras",
                "예제가 하나뿐인 배치(분산 0)에서는 Keras처럼 거의 beta가 나옴"),
              ref(tag="batch1"), weight=1, hints=HINTS),
        Check(T("with gamma=1, beta=0 each feature has mean 0 and variance var/(var+epsilon)",
                "gamma=1, beta=0이면 각 특성의 평균은 0, 분산은 var/(var+epsilon)이 됨"),
              normalised_output(), weight=1, hints=HINTS),
        Check(T("the moving statistics approach a repeated batch's statistics geometrically",
                "같은 배치를 반복해서 넣으면 이동 통계가 그 배치의 통계로 기하급수적으로 다가감"),
              moving_stats_converge(), weight=1, hints=HINTS),
        Check(T("matches Keras on the hidden cases",
                "숨겨진 테스트 케이스에서 Keras와 같은 결과"),
              ref(hidden=True), weight=2, hidden=True, hints=HINTS),
    )


def _inference_checks():
    ref = lambda **kw: reference_check(INFER, **kw)  # noqa: E731
    return (
        Check(T("matches Keras BatchNormalization() at inference on (batch, features) inputs",
                "(batch, features) 입력에서 추론 모드의 Keras BatchNormalization()과 같은 결과"),
              ref(tag="defaults"), weight=2, hints=HINTS),
        Check(T("matches Keras at inference on image batches (batch, height, width, channels)",
                "이미지 배치 (batch, height, width, channels)에서 추론 모드의 Keras와 같은 결과"),
              ref(tag="4d"), weight=1, hints=HINTS),
        Check(T("matches Keras at inference with other epsilon values",
                "다른 epsilon 값에서도 추론 모드의 Keras와 같은 결과"),
              ref(tag="hparams"), weight=1, hints=HINTS),
        Check(T("matches Keras at inference on float64 inputs",
                "float64 입력에서 추론 모드의 Keras와 같은 결과"),
              ref(tag="float64"), weight=1, hints=HINTS),
        Check(T("with the batch's own statistics as moving statistics it gives the training output",
                "배치 자신의 평균과 분산을 이동 통계로 넣으면 학습 모드의 출력과 같음"),
              inference_with_batch_stats(), weight=1, hints=HINTS),
        Check(T("each example is normalised on its own (independent of the rest of the batch)",
                "각 예제가 배치의 나머지와 상관없이 따로 정규화됨"),
              inference_per_example(), weight=1, hints=HINTS),
        Check(T("matches Keras at inference on the hidden cases",
                "숨겨진 테스트 케이스에서 추론 모드의 Keras와 같은 결과"),
              ref(hidden=True), weight=1, hidden=True, hints=HINTS),
    )


def _probe_inputs():
    """A (6, 3) float64 batch with variance about 1 and moving statistics far from the
    batch's: epsilon 1e-3 -> 0.5 and momentum 0.99 -> 0.5 clearly change every output."""
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-1.0, 1.0, 1.0],
                  [2.0, -0.5, 0.0], [0.0, 1.5, -1.5], [1.0, -2.0, 0.5]])
    gamma, beta = np.array([1.5, -0.5, 2.0]), np.array([0.25, 1.0, -0.75])
    return x, gamma, beta, np.array([2.0, -1.0, 0.5]), np.array([0.5, 2.0, 1.5])


PROBES = {
    TRAIN: (Probe(fn=TRAIN, args=_probe_inputs(), kwargs={"momentum": 0.99, "epsilon": 1e-3},
                  alternatives={"momentum": 0.5, "epsilon": 0.5}),),
    INFER: (Probe(fn=INFER, args=_probe_inputs(), kwargs={"epsilon": 1e-3},
                  alternatives={"epsilon": 0.5}),),
}


def parts() -> list[Part]:
    return [
        Part(id=TRAIN, title=T("Batch normalization (training)", "배치 정규화 (학습)"),
             module="batchnorm", names=(TRAIN,), points=10, checks=_train_checks(),
             probes=PROBES[TRAIN]),
        Part(id=INFER, title=T("Batch normalization (inference)", "배치 정규화 (추론)"),
             module="batchnorm", names=(INFER,), points=5, checks=_inference_checks(),
             probes=PROBES[INFER]),
    ]
