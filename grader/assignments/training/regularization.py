"""Checks of the ``l1_l2`` and ``dropout`` parts: Keras's L1/L2 penalties and gradients
and Keras's Dropout given its mask (recorded), and properties that need no reference
(homogeneity, finite differences, SGD = weight decay, dropout at inference, the
mask's statistics, the expectation kept by inverted scaling).

Recorded ``l1_l2`` cases: ``inputs = {"weights", "l1", "l2", "defaults"}``,
``expected = {name: value}`` for the four functions, ``mistakes = {id: {name: value}}``
(only the function the mistake replaces). Recorded ``dropout`` cases:
``inputs = {"x", "rate", "mask", "seed"}`` (the mask recovered from Keras's output,
the seed Keras used), ``expected = {"dropout": out}``, ``mistakes`` likewise.
"""

from __future__ import annotations

import numpy as np
from grader.lazy_hypothesis import hnp, st  # hypothesis only when recording (see there)

from grader.declaration import Check, Part, Probe, T
from grader.checking import as_array, call_text, example, failed_call, fmt, mismatch, run_property
from grader.errors import Failure
from grader.sandbox.runner import CallFailed
from . import strategies as S

L1L2_NAMES = ("l1_penalty", "l1_grad", "l2_penalty", "l2_grad")
DROPOUT_NAMES = ("dropout_mask", "dropout")

#: Penalties and gradients: float32 tolerances (keras-semantics R3; the penalty's sum
#: order differs from TF's, and a float64 solution need not round the coefficient to
#: float32 as Keras does). Values that Keras makes exactly 0 must be (almost) 0.
RTOL, ATOL = 2e-5, 1e-9
#: A known mistake is named only when it reproduces the student's output this closely
#: (a float32 or float64 implementation of the mistake does; a different bug does not).
DIAG_RTOL, DIAG_ATOL = 1e-4, 1e-9
#: Dropout given Keras's mask: Keras computes x * float(1/(1-rate)) and is reproduced
#: bit for bit by that rule; x / (1-rate) and float64 arithmetic differ by <= 1 ulp,
#: which a relative tolerance of 2 eps(dtype) accepts. Dropped entries must be exactly 0.
ULPS = 2

HINTS = {
    "l2_with_half": T(
        "Keras's L2 has no 1/2: penalty = l2 * sum(w**2), so L2(0.5)([1, 2]) = 2.5. (The 1/2 of "
        "some textbooks only exists to make the gradient l2*w.)",
        "Keras의 L2에는 1/2이 없습니다: penalty = l2 * sum(w**2)이므로 L2(0.5)([1, 2]) = "
        "2.5입니다. (일부 교재의 1/2은 그래디언트를 l2*w로 만들려고 붙인 것입니다.)"),
    "l2_grad_missing_factor_2": T(
        "The derivative of l2 * w**2 is 2 * l2 * w: Keras's penalty has no 1/2, so the factor 2 "
        "stays in the gradient.",
        "l2 * w**2의 도함수는 2 * l2 * w입니다. Keras의 페널티에는 1/2이 없으므로 그래디언트에 2가 "
        "남습니다."),
    "l1_grad_sign_wrong_at_zero": T(
        "At w = 0 the gradient TensorFlow uses for |w| is 0 (sign(0) = 0); yours is +-l1 there. "
        "np.sign does it right.",
        "w = 0에서 TensorFlow가 쓰는 |w|의 그래디언트는 0입니다(sign(0) = 0). 여기서는 ±l1이 "
        "나왔습니다. np.sign을 쓰면 맞게 나옵니다."),
    "l1_grad_nan_at_zero": T(
        "w / |w| is 0/0 = NaN at w = 0, and weights that are exactly 0 are common (that is what L1 "
        "produces); the gradient there is 0: use np.sign(w).",
        "w = 0에서 w / |w|는 0/0 = NaN인데, 정확히 0인 가중치는 흔합니다(L1이 바로 그런 가중치를 "
        "만듭니다). 그 점의 그래디언트는 0입니다: np.sign(w)를 쓰세요."),
    "l1_penalty_squares": T(
        "L1 sums absolute values, l1 * sum(|w|); summing squares is L2.",
        "L1은 절댓값의 합 l1 * sum(|w|)입니다. 제곱의 합은 L2입니다."),
    "l1_penalty_mean": T(
        "Keras SUMS over every weight, l1 * sum(|w|), it does not average: the penalty grows with "
        "the layer's size.",
        "Keras는 평균이 아니라 모든 가중치에 대해 합을 냅니다(l1 * sum(|w|)). 그래서 페널티는 층의 "
        "크기에 따라 커집니다."),
    "l2_penalty_norm": T(
        "Keras's L2 penalty is l2 * sum(w**2), the SQUARED norm: no square root (L2(0.5)([1, 2]) = "
        "2.5, not 0.5*sqrt(5)).",
        "Keras의 L2 페널티는 l2 * sum(w**2), 즉 '제곱한' 노름입니다. 제곱근은 없습니다(L2(0.5)([1, "
        "2]) = 2.5이지 0.5*sqrt(5)가 아닙니다)."),
    "l1_penalty_not_summed": T(
        "The penalty is ONE number: l1 * sum(|w|) over every weight; yours returns l1 * |w| entry "
        "by entry (sum it).",
        "페널티는 숫자 '하나'입니다: 모든 가중치에 대한 l1 * sum(|w|). 지금은 원소마다 l1 * |w|를 "
        "반환합니다(합을 구하세요)."),
    "l2_penalty_not_summed": T(
        "The penalty is ONE number: l2 * sum(w**2) over every weight; yours returns l2 * w**2 "
        "entry by entry (sum it).",
        "페널티는 숫자 '하나'입니다: 모든 가중치에 대한 l2 * sum(w**2). 지금은 원소마다 l2 * "
        "w**2를 반환합니다(합을 구하세요)."),
    "dropout_mask_meaning_inverted": T(
        "In the mask True means KEPT: out = where(mask, x / (1 - rate), 0). You zero the entries "
        "the mask keeps and keep the ones it drops.",
        "마스크에서 True는 '남기는' 원소입니다: out = where(mask, x / (1 - rate), 0). 지금은 "
        "마스크가 남기는 원소를 0으로 만들고 버리는 원소를 남깁니다."),
    "dropout_masked_at_inference": T(
        "At inference (training=False, the default) Dropout does nothing and returns x: no entry "
        "is dropped, the mask is only used in training.",
        "추론 시(training=False, 기본값) Dropout은 아무것도 하지 않고 x를 반환합니다: 어떤 원소도 "
        "버리지 않으며, 마스크는 학습 중에만 씁니다."),
    "dropout_inference_multiplies_keep_prob": T(
        "At inference (training=False, the default) Keras returns x itself: with inverted dropout "
        "the 1/(1-rate) scaling in training already keeps the expectation, so there is no x*(1 - "
        "rate) at inference.",
        "추론 시(training=False, 기본값) Keras는 x 그대로를 반환합니다: inverted 드롭아웃에서는 "
        "학습 중의 1/(1-rate) 스케일링이 이미 기댓값을 유지하므로, 추론 시 x*(1 - rate)는 "
        "없습니다."),
    "dropout_divides_by_rate": T(
        "The kept entries are divided by the KEEP probability 1 - rate, not by rate: out = "
        "where(mask, x / (1 - rate), 0).",
        "남은 원소는 rate가 아니라 남길 확률 1 - rate로 나눕니다: out = where(mask, x / (1 - "
        "rate), 0)."),
    "dropout_not_inverted": T(
        "Keras uses inverted dropout: during training the kept entries are multiplied by "
        "1/(1-rate), so the expected output equals x and inference needs no change.",
        "Keras는 inverted 드롭아웃을 씁니다. 학습 중에 남은 원소에 1/(1-rate)를 곱해 출력의 "
        "기댓값을 x와 같게 하므로, 추론 때는 아무것도 바꿀 필요가 없습니다."),
    "dropout_scaled_at_inference": T(
        "At inference (training=False, the default) Dropout does nothing and returns x: the "
        "1/(1-rate) scaling during training already keeps the expectation.",
        "추론 모드(training=False, 기본값)에서 Dropout은 아무 일도 하지 않고 x를 그대로 "
        "돌려줍니다. 학습 중의 1/(1-rate) 스케일링이 이미 기댓값을 맞춰 줍니다."),
    "dropout_multiplies_keep_prob": T(
        "Inverted dropout DIVIDES the kept entries by the keep probability 1 - rate (x / (1 - "
        "rate)); multiplying by 1 - rate shrinks them instead of scaling them up.",
        "inverted 드롭아웃은 남은 원소를 남길 확률 1 - rate로 '나눕니다'(x / (1 - rate)). 1 - "
        "rate를 곱하면 값을 키우는 대신 줄이게 됩니다."),
    "dropout_rate_one_nan": T(
        "With rate = 1 every entry is dropped and 1/(1-rate) divides by zero; Keras returns zeros "
        "when rate == 1.",
        "rate = 1이면 모든 원소가 드롭되고 1/(1-rate)는 0으로 나누기가 됩니다. Keras는 rate == 1일 "
        "때 0을 반환합니다."),
    "dropout_mask_keeps_rate": T(
        "rate is the probability of DROPPING an entry: each entry is kept (True) with probability "
        "1 - rate.",
        "rate는 원소를 '버릴' 확률입니다. 각 원소는 확률 1 - rate로 남습니다(True)."),
    "dropout_mask_ignores_rng": T(
        "Draw the mask from the generator you are given (e.g. rng.random(shape) >= rate), not from "
        "np.random or a new generator: the same seed must give the same mask.",
        "마스크는 주어진 생성기 rng에서 뽑으세요(예: rng.random(shape) >= rate). np.random이나 새 "
        "생성기를 쓰면 안 됩니다: 시드가 같으면 마스크도 같아야 합니다."),
    "dropout_mask_float": T(
        "The mask must be a bool array (True = kept), e.g. rng.random(shape) >= rate.",
        "마스크는 bool 배열이어야 합니다(True = 남김). 예: rng.random(shape) >= rate."),
}

NONFINITE_NOTE = T(
    "Where x is inf or NaN, Keras's dropped entries are exactly 0 (it selects, "
    "where(mask, x*scale, 0)); yours are not (x * mask gives 0*inf = NaN). Inputs "
    "are finite in this course, so this costs nothing.",
    "x가 inf나 NaN인 위치에서 Keras의 드롭된 값은 정확히 0입니다(where(mask, x*scale, 0)으로 "
    "선택합니다). 여기서는 그렇지 않습니다(x * mask는 0*inf = NaN). 이 과목의 입력은 "
    "유한하므로 감점은 없습니다.")

SGD_NOTE = T(
    "For plain SGD, adding the L2 gradient is exactly weight decay with weight_decay = "
    "2*l2. For Adam it is not: the L2 gradient is divided by sqrt(v) like the rest of the "
    "gradient, which is why AdamW decouples the decay.",
    "일반 SGD에서는 L2 그래디언트를 더하는 것이 weight_decay = 2*l2인 가중치 감쇠와 정확히 "
    "같습니다. Adam에서는 다릅니다. L2 그래디언트도 나머지 그래디언트처럼 sqrt(v)로 나뉘기 "
    "때문이고, 그래서 AdamW가 감쇠를 분리합니다.")


# -- validation of returned values -------------------------------------------------------------

def as_scalar(value, what: str) -> float:
    """A penalty: a Python number, numpy scalar or 0-d numeric array."""
    if value is None:
        raise Failure(f"{what} is None (did you forget to return it?)")
    if isinstance(value, (list, tuple, dict, str)):
        raise Failure(f"{what} is a {type(value).__name__}, expected a float")
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise Failure(f"{what} has dtype {arr.dtype}, expected a float")
    if arr.ndim != 0:
        raise Failure(f"{what} is an array of shape {arr.shape}, expected one float "
                      "(sum over every entry)")
    return float(arr)


def as_mask(value, what: str, shape) -> np.ndarray:
    """A keep-mask: a bool array of exactly ``shape`` (``as_array`` would accept floats)."""
    if value is None:
        raise Failure(f"{what} is None (did you forget to return it?)")
    if not isinstance(value, np.ndarray):
        raise Failure(f"{what} is a {type(value).__name__}, expected a numpy bool array",
                      diagnosis="dropout_mask_float" if isinstance(value, float) else "")
    if value.dtype != np.bool_:
        raise Failure(f"{what} has dtype {value.dtype}, expected bool (True = kept)",
                      diagnosis="dropout_mask_float")
    if tuple(value.shape) != tuple(shape):
        raise Failure(f"{what} has shape {tuple(value.shape)}, expected {tuple(shape)}")
    return value


def _call(ctx, name, args, kwargs, text, rngs=None):
    """Call the student's function outside a property run (errors become Failures)."""
    try:
        return ctx.call(name, *args, rngs=rngs, **kwargs)
    except CallFailed as exc:
        f = failed_call(exc, f"`{name}`")
        f.message, _, trace = f.message.partition("\n")
        f.example = example(text, error=trace)
        raise f from None


def _named(got, name, mistakes) -> str:
    """The recorded mistake whose output for ``name`` reproduces ``got``, or ""."""
    for mistake_id, outputs in mistakes.items():
        value = outputs.get(name)
        if value is not None and np.shape(got) == np.shape(value) \
                and mismatch(got, value, DIAG_RTOL, DIAG_ATOL) is None:
            return mistake_id
    return ""


#: Known l1_l2 mistakes as trusted formulas (float64), for the property checks: a
#: property names a mistake only when its formula reproduces the student's value on
#: the failing example (the reference checks use the recorded outputs).
L1L2_MODELS = {
    "l1_penalty_squares": ("l1_penalty", lambda w, c: c * np.sum(np.square(w))),
    "l1_penalty_mean": ("l1_penalty", lambda w, c: c * np.mean(np.abs(w))),
    "l2_with_half": ("l2_penalty", lambda w, c: 0.5 * c * np.sum(np.square(w))),
    "l2_penalty_norm": ("l2_penalty", lambda w, c: c * np.sqrt(np.sum(np.square(w)))),
    "l2_grad_missing_factor_2": ("l2_grad", lambda w, c: c * w),
}

#: Penalties returned entry by entry (not summed): trusted formulas, float64.
NOT_SUMMED = {"l1_penalty": ("l1_penalty_not_summed", lambda w, c: c * np.abs(w)),
              "l2_penalty": ("l2_penalty_not_summed", lambda w, c: c * np.square(w))}


def as_penalty(value, what: str, name: str, weights, coef) -> float:
    """:func:`as_scalar`, naming a penalty that was not summed when the returned array
    is the per-entry penalty of these weights (the trusted formula on this input)."""
    try:
        return as_scalar(value, what)
    except Failure as f:
        mistake, model = NOT_SUMMED[name]
        try:
            got = np.asarray(value, np.float64)
            want = model(np.asarray(weights, np.float64), coef)
            if got.shape == want.shape and mismatch(got, want, DIAG_RTOL, DIAG_ATOL) is None:
                f.diagnosis = mistake
        except (TypeError, ValueError):
            pass
        raise


def _model_named(name, got, *inputs) -> str:
    """The L1L2_MODELS mistake of function ``name`` reproducing every ``(w, c) -> value``
    of ``inputs`` (pairs ``((w, c), got)``), or ""."""
    for mistake_id, (fn, model) in L1L2_MODELS.items():
        if fn != name:
            continue
        w64 = [np.asarray(w, np.float64) for (w, _), _ in inputs]
        if all(mismatch(g, model(w, c), DIAG_RTOL, DIAG_ATOL) is None
               for w, ((_, c), g) in zip(w64, inputs)):
            return mistake_id
    return ""


# -- l1_l2: reference ----------------------------------------------------------------------------

def _l1l2_call(name, inputs):
    coef = name[:2]
    kwargs = {} if inputs.get("defaults") else {coef: inputs[coef]}
    return (inputs["weights"],), kwargs


def _named_everywhere(failures, passed=()) -> str:
    """The recorded mistake that reproduces the student's output on EVERY failing case
    of a check (``failures``: ``[(got, name, case.mistakes)]``) and is not contradicted
    by a passing one (``passed``: ``[(name, case.mistakes, expected, rtol, atol)]``: a
    mistake whose output there fails the check is not what the student did), or ""."""
    if not failures:
        return ""
    got, name, mistakes = failures[0]
    candidate = _named(got, name, mistakes)
    if not candidate or not all(_named(g, n, {candidate: m.get(candidate, {})})
                                for g, n, m in failures):
        return ""
    for n, mistakes, expected, rtol, atol in passed:
        value = mistakes.get(candidate, {}).get(n)
        if value is not None and (np.shape(value) != np.shape(expected)
                                  or mismatch(value, expected, rtol, atol) is not None):
            return ""
    return candidate


def _first_failure(failures, messages, passed=()):
    """Raise the first failure of a check, named only by a mistake that explains all."""
    if failures:
        first = messages[0]
        first.diagnosis = _named_everywhere(failures, passed)
        if len(failures) > 1:
            first.message += f" ({len(failures)} recorded cases differ)"
        raise first


def l1l2_reference(*, tag=None, hidden=False, names=None):
    """Functions ``names`` (default: all four) against Keras's ``L1``/``L2`` and their
    TF gradients, on the recorded cases with ``tag`` (default: all public cases)."""

    def run(ctx):
        cases = ctx.cases(hidden=hidden, tag=tag)
        if not cases:
            raise Failure("no recorded cases for this check")
        failures, messages, passed = [], [], []
        for case in cases:
            for name in names or L1L2_NAMES:
                args, kwargs = _l1l2_call(name, case.inputs)
                text = call_text(name, args, kwargs)
                out = _call(ctx, name, args, kwargs, text)
                expected = case.expected[name]
                what = f"the result of `{name}`"
                try:
                    got = (as_penalty(out, what, name, args[0], kwargs.get(name[:2], 0.01))
                           if name.endswith("penalty") else as_array(out, what, np.shape(args[0])))
                except Failure as f:
                    f.example = example(text, expected=fmt(expected), got=fmt(out))
                    raise
                bad = mismatch(got, expected, RTOL, ATOL)
                if not bad:
                    passed.append((name, case.mistakes, expected, RTOL, ATOL))
                if bad:
                    coef = repr(kwargs[name[:2]]) if kwargs else ""
                    reg = f"{name[:2].upper()}({coef})"
                    kind = "penalty" if name.endswith("penalty") else "gradient (tf.GradientTape)"
                    failures.append((got, name, case.mistakes))
                    messages.append(Failure(f"`{name}` differs from Keras's {reg} {kind}: {bad}",
                                            example=example(text, expected=fmt(expected),
                                                            got=fmt(out))))
        _first_failure(failures, messages, passed)
        return None

    return run


# -- l1_l2: properties -----------------------------------------------------------------------------

@st.composite
def weights_with_zeros(draw, dtype, shape, lo=-3.0, hi=3.0):
    """Weights in [lo, hi] of which some entries are exactly 0."""
    w = draw(S.arrays(dtype, shape, lo, hi))
    zeros = draw(hnp.arrays(np.bool_, shape))
    return np.where(zeros, np.zeros((), dtype), w).astype(dtype)


def coefficients():
    return st.sampled_from([0.01, 0.1, 0.5, 1.0, 1e-3]) | st.floats(1e-3, 2.0)


SMALL_SHAPES = [(), (1,), (4,), (3, 2)]


@st.composite
def _homogeneity_inputs(draw):
    w = draw(weights_with_zeros(np.float64, draw(S.shapes())))
    return w, draw(coefficients()), draw(st.sampled_from([-2.0, 0.5, 3.0, 10.0]))


def penalty_properties():
    """penalty >= 0; L1(c*w) = |c|*L1(w); L2(c*w) = c**2*L2(w)."""
    def run(ctx):
        def body(ex):
            w, coef, c = ex
            cw = c * w
            for name, power in (("l1_penalty", 1), ("l2_penalty", 2)):
                kw = {name[:2]: coef}
                base = as_penalty(ctx.call(name, w, **kw), f"the result of `{name}`", name, w,
                                  coef)
                scaled = as_penalty(ctx.call(name, cw, **kw), f"the result of `{name}`", name,
                                    cw, coef)
                diag = _model_named(name, None, ((w, coef), base), ((cw, coef), scaled))
                if not base >= 0 or not scaled >= 0:
                    neg = base if not base >= 0 else scaled
                    raise Failure(f"`{name}` returned {neg!r}: a penalty is never negative",
                                  example=example(call_text(name, (w if neg == base else cw,), kw),
                                                  expected="a value >= 0", got=repr(neg)),
                                  diagnosis=diag)
                # not a constant: weights that are not all 0 have a positive penalty
                if np.any(w != 0) and not base > 0:
                    raise Failure(f"`{name}` returned {base!r} for weights that are not all 0 "
                                  f"and {name[:2]} = {coef!r}: the penalty must be positive",
                                  example=example(call_text(name, (w,), kw),
                                                  expected="a value > 0", got=repr(base)),
                                  diagnosis=diag)
                want = abs(c) ** power * base
                if mismatch(scaled, want, 1e-5, 1e-12):
                    law = "|c|" if power == 1 else "c**2"
                    raise Failure(f"`{name}`(c*w) should be {law} * `{name}`(w) for c = {c:g}: "
                                  f"got {scaled!r} instead of {want!r}",
                                  example=example(f"{call_text(name, (w,), kw)} = {base!r}, and the "
                                                  f"same with weights*{c:g}",
                                                  expected=repr(want), got=repr(scaled)),
                                  diagnosis=diag)

        run_property(_homogeneity_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=lambda ex: example(f"weights = {fmt(ex[0])}, coefficient {ex[1]!r}, "
                                                 f"c = {ex[2]:g}"))
    return run


FD_STEP = 0.05     # |w| >= 2*FD_STEP: no sign change, so central differences are exact


@st.composite
def _fd_inputs(draw):
    shape = draw(st.sampled_from(SMALL_SHAPES))
    w = draw(S.arrays(np.float64, shape, -3.0, 3.0, away_from_zero=2 * FD_STEP))
    return w, draw(coefficients())


def gradients_match_finite_differences():
    """l*_grad(w) == (penalty(w + h e_i) - penalty(w - h e_i)) / 2h for every i.

    Exact in exact arithmetic (L2 is quadratic, L1 linear between sign changes), so
    a large step keeps rounding negligible even for a float32 implementation."""
    def run(ctx):
        def body(ex):
            w, coef = ex
            for pen, grad in (("l1_penalty", "l1_grad"), ("l2_penalty", "l2_grad")):
                kw = {pen[:2]: coef}
                g = as_array(ctx.call(grad, w, **kw), f"the result of `{grad}`", w.shape)
                fd = np.zeros(w.shape)
                for i in np.ndindex(w.shape):
                    e = np.zeros(w.shape)
                    e[i] = FD_STEP
                    plus = as_penalty(ctx.call(pen, w + e, **kw), f"the result of `{pen}`",
                                      pen, w + e, coef)
                    minus = as_penalty(ctx.call(pen, w - e, **kw), f"the result of `{pen}`",
                                       pen, w - e, coef)
                    fd[i] = (plus - minus) / (2 * FD_STEP)
                if not np.all(np.isfinite(fd)):   # (a NaN gradient would "match" a NaN fd)
                    raise Failure(f"`{pen}` returned NaN or inf for finite weights",
                                  example=example(call_text(pen, (w,), kw) + f", and with each "
                                                  f"weight +- {FD_STEP}",
                                                  expected="finite values"))
                if not np.any(fd != 0):        # weights away from 0: the penalty must move
                    raise Failure(f"`{pen}` does not change when a weight changes by "
                                  f"{FD_STEP}: a penalty of constant value has gradient 0, but "
                                  f"{pen[:2].upper()}'s does not",
                                  example=example(call_text(pen, (w,), kw) + f", and with each "
                                                  f"weight +- {FD_STEP}",
                                                  expected="a penalty that changes",
                                                  got="the same value every time"))
                # relative to the gradient's scale: a float32 penalty's rounding, divided by
                # 2h, must not fail a small coordinate (the mistakes are off by factors)
                atol = 1e-3 * float(np.max(np.abs(fd), initial=0.0)) + 1e-12
                bad = mismatch(g, fd, 1e-3, atol)
                if bad:
                    diag = ""
                    w64 = np.asarray(w, np.float64)
                    for mistake, (fn, model) in L1L2_MODELS.items():
                        if fn != pen:
                            continue
                        mfd = np.zeros(w.shape)
                        for i in np.ndindex(w.shape):
                            e = np.zeros(w.shape)
                            e[i] = FD_STEP
                            mfd[i] = (model(w64 + e, coef) - model(w64 - e, coef)) / (2 * FD_STEP)
                        if mismatch(fd, mfd, 1e-3, atol) is None:
                            diag = mistake       # the penalty behaves like this mistake
                    if diag:
                        pass
                    elif pen == "l2_penalty" and mismatch(fd, 2 * coef * w64, 1e-3, atol) is None:
                        diag = _model_named(grad, None, ((w, coef), g))   # the penalty is right
                    elif pen == "l2_penalty" and mismatch(fd, coef * w64, 1e-3, atol) is None \
                            and mismatch(g, 2 * coef * w64, 1e-3, 2 * atol) is None:
                        diag = "l2_with_half"      # the gradient is right, the penalty halved
                    raise Failure(f"`{grad}` is not the gradient of your `{pen}` "
                                  f"(central differences with step {FD_STEP}): {bad}",
                                  example=example(call_text(grad, (w,), kw), expected=fmt(fd),
                                                  got=fmt(g)),
                                  diagnosis=diag)

        run_property(_fd_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=lambda ex: example(f"weights = {fmt(ex[0])}, coefficient {ex[1]!r}"))
    return run


@st.composite
def _sgd_inputs(draw):
    shape = draw(S.shapes())
    w, g = draw(S.param_and_grad(shape=shape, dtype=np.float64))
    return w, g, draw(st.sampled_from([0.01, 0.1, 0.5])), draw(coefficients())


def sgd_l2_is_weight_decay():
    """w - lr*(g + l2_grad(w, l2)) == w - lr*g - lr*(2*l2)*w: with plain SGD, the L2
    gradient is decoupled weight decay with weight_decay = 2*l2 (as in Keras's
    ``SGD(weight_decay=...)``: w -= lr*weight_decay*w)."""
    def run(ctx):
        def body(ex):
            w, g, lr, l2 = ex
            lg = as_array(ctx.call("l2_grad", w, l2=l2), "the result of `l2_grad`", w.shape)
            coupled = w - lr * (g + lg)
            decoupled = w - lr * g - lr * (2 * l2) * w
            bad = mismatch(coupled, decoupled, 1e-6, 1e-12)
            if bad:
                diag = _model_named("l2_grad", None, ((w, l2), lg))
                step = f"w - {lr}*(grad + {call_text('l2_grad', (w,), {'l2': l2})})"
                raise Failure("an SGD step on grad + l2_grad(w, l2) should equal weight decay with "
                              f"weight_decay = 2*l2 = {2 * l2:g} (w - lr*grad - lr*weight_decay*w): "
                              f"{bad}",
                              example=example(f"{step} with grad = {fmt(g)}",
                                              expected=fmt(decoupled), got=fmt(coupled)),
                              diagnosis=diag)

        run_property(_sgd_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=lambda ex: example(f"w = {fmt(ex[0])}, grad = {fmt(ex[1])}, "
                                                 f"lr = {ex[2]}, l2 = {ex[3]!r}"))
        return SGD_NOTE
    return run


# -- dropout: reference ----------------------------------------------------------------------------

def _nonfinite_note(ctx) -> str:
    """NONFINITE_NOTE when the student's dropped entries are not exactly 0 on the
    recorded inputs holding inf and NaN (never graded: inputs are finite), else ""."""
    for case in ctx.cases(tag="nonfinite"):
        inp = case.inputs
        try:
            out = ctx.call("dropout", inp["x"], inp["rate"], inp["mask"], training=True)
        except CallFailed:
            return ""
        if not isinstance(out, np.ndarray) or out.shape != inp["x"].shape:
            return ""
        with np.errstate(all="ignore"):
            if np.any(out[~inp["mask"]] != 0):
                return NONFINITE_NOTE
    return ""


def dropout_reference(*, tag=None, hidden=False, note_nonfinite=False):
    """``dropout(x, rate, mask, training=True)`` against Keras's output, given the mask
    recovered from that output. With ``note_nonfinite``, a passing check notes where
    the student differs from Keras on inf/NaN inputs (never graded)."""

    def run(ctx):
        cases = ctx.cases(hidden=hidden, tag=tag)
        if not cases:
            raise Failure("no recorded cases for this check")
        failures, messages, passed = [], [], []
        for case in cases:
            inp = case.inputs
            args, kwargs = (inp["x"], inp["rate"], inp["mask"]), {"training": True}
            text = call_text("dropout", args, kwargs)
            out = _call(ctx, "dropout", args, kwargs, text)
            expected = case.expected["dropout"]
            try:
                got = as_array(out, "the result of `dropout`", inp["x"].shape)
            except Failure as f:
                f.example = example(text, expected=fmt(expected), got=fmt(out))
                raise
            rtol = ULPS * float(np.finfo(inp["x"].dtype).eps)
            bad = mismatch(got, expected, rtol, 0.0)
            if not bad:
                passed.append(("dropout", case.mistakes, expected, rtol, 0.0))
            if bad:
                what = f"Keras's Dropout({inp['rate']!r}) in training mode with the same mask"
                failures.append((got, "dropout", case.mistakes))
                messages.append(Failure(f"`dropout` differs from {what}: {bad}",
                                        example=example(text, expected=fmt(expected),
                                                        got=fmt(out))))
        _first_failure(failures, messages, passed)
        return _nonfinite_note(ctx) if note_nonfinite else None

    return run


# -- dropout: properties ---------------------------------------------------------------------------

RATES = st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]) | st.floats(0.0, 1.0)


@st.composite
def _inference_inputs(draw):
    dtype, shape = draw(S.dtypes()), draw(S.shapes())
    x = draw(S.arrays(dtype, shape, -3.0, 3.0))
    return x, draw(RATES), draw(hnp.arrays(np.bool_, shape)), draw(st.booleans())


def _scaled_at_inference(got, x, rate, mask) -> bool:
    """Does ``got`` reproduce where(mask, x / (1 - rate), 0), the training output?"""
    if not isinstance(got, np.ndarray) or got.shape != x.shape:
        return False
    scaled = (np.where(mask, x.astype(np.float64) / (1 - rate), 0.0) if rate < 1
              else np.zeros(x.shape))
    return mismatch(got, scaled, DIAG_RTOL, DIAG_ATOL) is None


_PROBE_INFER_X = np.array([0.5, -1.25, 2.0, 1.5, -0.75, 3.0])
_PROBE_INFER_MASK = np.array([True, False, True, False, False, True])


def _inference_candidates(got, x, rate, mask) -> list:
    """The known inference mistakes whose output on (x, rate, mask) is ``got``: the mask
    applied (where(mask, x, 0)) or x*(1 - rate) (non-inverted dropout's inference)."""
    if not isinstance(got, np.ndarray) or got.shape != x.shape:
        return []
    x64 = x.astype(np.float64)
    candidates = {"dropout_masked_at_inference": np.where(mask, x64, 0.0),
                  "dropout_inference_multiplies_keep_prob": x64 * (1 - rate)}
    return [m for m, want in candidates.items()
            if mismatch(got, want, DIAG_RTOL, DIAG_ATOL) is None]


def _inference_named(ctx, got, x, rate, mask, kwargs) -> str:
    """The known mistake explaining a wrong inference output. It must explain the failing
    example; which one it is is told on a fixed input where they differ (rate 0.5, kept
    and dropped nonzero entries), and what the student does in training on that input
    separates them from dropout that is not inverted: right in training -> the
    inference mistake; where(mask, x, 0) in training too -> not inverted."""
    seen = _inference_candidates(got, x, rate, mask)
    if not seen:
        return ""
    px, pmask, prate = _PROBE_INFER_X.astype(x.dtype), _PROBE_INFER_MASK, 0.5
    try:
        infer = ctx.call("dropout", px, prate, pmask, **kwargs)
        train = ctx.call("dropout", px, prate, pmask, training=True)
    except CallFailed:
        return ""
    found = _inference_candidates(infer, px, prate, pmask)
    if len(found) != 1 or found[0] not in seen:
        return ""
    if _scaled_at_inference(train, px, prate, pmask):
        return found[0]
    if isinstance(train, np.ndarray) and train.shape == px.shape and mismatch(
            train, np.where(pmask, px.astype(np.float64), 0.0), DIAG_RTOL, DIAG_ATOL) is None:
        return "dropout_not_inverted"
    return ""


def inference_is_identity():
    """``dropout(x, rate, mask)`` and ``dropout(..., training=False)`` return x."""
    def run(ctx):
        def body(ex):
            x, rate, mask, explicit = ex
            kwargs = {"training": False} if explicit else {}
            out = ctx.call("dropout", x, rate, mask, **kwargs)
            got = as_array(out, "the result of `dropout`", x.shape)
            bad = mismatch(got, x, 0.0, 0.0)
            if bad:
                diag = ""
                if _scaled_at_inference(got, x, rate, mask):
                    # ... and where the scaling shows (kept and dropped nonzero entries)
                    probe_mask = (np.arange(x.size) % 2 == 0).reshape(x.shape)
                    informative = 0 < rate < 1 and np.any(mask & (x != 0)) \
                        and np.any(~mask & (x != 0))
                    if informative or (np.any(probe_mask & (x != 0)) and _scaled_at_inference(
                            ctx.call("dropout", x, 0.5, probe_mask, **kwargs), x, 0.5,
                            probe_mask)):
                        diag = "dropout_scaled_at_inference"
                if not diag:
                    diag = _inference_named(ctx, got, x, rate, mask, kwargs)
                how = "training=False" if explicit else "training not given, i.e. False"
                raise Failure(f"at inference ({how}) dropout must return x unchanged: {bad}",
                              example=example(call_text("dropout", (x, rate, mask), kwargs),
                                              expected=fmt(x), got=fmt(out)),
                              diagnosis=diag)
            # ... and not because it always does: in training, dropped entries are 0
            dropped = ~mask & (x != 0)
            if 0 < rate < 1 and dropped.any():
                train = as_array(ctx.call("dropout", x, rate, mask, training=True),
                                 "the result of `dropout`", x.shape)
                if np.any(train[dropped] != 0):
                    text = call_text("dropout", (x, rate, mask), {"training": True})
                    raise Failure("at inference dropout returns x, but in training (training="
                                  "True) the entries the mask drops (False) must be 0, and "
                                  "yours are not",
                                  example=example(text, expected="0 where mask is False",
                                                  got=fmt(train)))

        run_property(_inference_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=lambda ex: example(call_text("dropout", ex[:3],
                                                           {"training": False} if ex[3] else {})))
    return run


@st.composite
def _edge_inputs(draw):
    dtype, shape = draw(S.dtypes()), draw(S.shapes())
    rate = draw(st.sampled_from([0.0, 1.0]))
    x = draw(S.arrays(dtype, shape, -3.0, 3.0))
    mask = np.full(shape, rate == 0.0)       # what a mask for that rate always is
    return x, rate, mask


def _scale_candidates(got, x, mask) -> list:
    """The known training mistakes whose output at rate 0.75 on (x, mask) is ``got``."""
    if not isinstance(got, np.ndarray) or got.shape != x.shape:
        return []
    x64 = x.astype(np.float64)
    models = {"dropout_not_inverted": np.where(mask, x64, 0.0),
              "dropout_multiplies_keep_prob": np.where(mask, x64 * 0.25, 0.0),
              "dropout_divides_by_rate": np.where(mask, x64 / 0.75, 0.0),
              "dropout_mask_meaning_inverted": np.where(mask, 0.0, x64 * 4.0)}
    return [m for m, v in models.items() if mismatch(got, v, DIAG_RTOL, DIAG_ATOL) is None]


def edge_rates():
    """Training: rate 0 (an all-True mask) gives x; rate 1 (all-False) gives zeros; and,
    so that x * mask (which does both) earns nothing here, rate 0.75 scales the kept
    entries by 4."""
    def run(ctx):
        def body(ex):
            x = ex[0]
            # both rates on every example: an identity passes rate 0 only, zeros rate 1 only
            for rate in (0.0, 1.0):
                mask = np.full(x.shape, rate == 0.0)
                out = ctx.call("dropout", x, rate, mask, training=True)
                got = as_array(out, "the result of `dropout`", x.shape)
                want = x if rate == 0.0 else np.zeros_like(x)
                bad = mismatch(got, want, 0.0, 0.0)
                if bad:
                    diag = "dropout_rate_one_nan" if rate == 1.0 and np.isnan(got).any() else ""
                    raise Failure(f"with rate={rate:g} in training dropout should return "
                                  f"{'x unchanged' if rate == 0 else 'zeros'}: {bad}",
                                  example=example(call_text("dropout", (x, rate, mask),
                                                            {"training": True}),
                                                  expected=fmt(want), got=fmt(out)),
                                  diagnosis=diag)

            # ... and not because it returns x * mask (ignoring rate): at rate 0.75 the kept
            # entries are scaled by 1/(1 - rate) = 4 (exact in float32 and float64)
            rate = 0.75
            mask = (np.arange(x.size) % 2 == 0).reshape(x.shape)
            out = ctx.call("dropout", x, rate, mask, training=True)
            got = as_array(out, "the result of `dropout`", x.shape)
            x64 = x.astype(np.float64)
            want = np.where(mask, x64 * 4.0, 0.0)
            bad = mismatch(got, want, ULPS * float(np.finfo(x.dtype).eps), 0.0)
            if bad:
                # named only when the same known mistake also explains a fixed input where
                # they all differ (half the entries kept: a scale by the kept fraction, say,
                # is not "not inverted" although a one-entry example cannot tell)
                found = _scale_candidates(got, x, mask)
                if len(found) == 1:
                    px = _PROBE_INFER_X.astype(x.dtype)
                    try:
                        pout = ctx.call("dropout", px, rate, _PROBE_INFER_MASK, training=True)
                    except CallFailed:
                        pout = None
                    if _scale_candidates(pout, px, _PROBE_INFER_MASK) != found:
                        found = []
                raise Failure("with rate=0.75 in training dropout should scale the kept entries "
                              "(mask True) by 1/(1 - rate) = 4 and make the dropped ones 0: "
                              f"{bad}",
                              example=example(call_text("dropout", (x, rate, mask),
                                                        {"training": True}),
                                              expected=fmt(want), got=fmt(out)),
                              diagnosis=found[0] if len(found) == 1 else "")

        run_property(_edge_inputs(), body, max_examples=ctx.settings.max_examples,
                     describe=lambda ex: example(f"x = {fmt(ex[0])}, rates 0, 1 and 0.75, "
                                                 "training=True"))
    return run


def _mask_text(shape, rate, seed) -> str:
    return f"dropout_mask({shape!r}, {rate!r}, np.random.default_rng({seed}))"


def _mask(ctx, shape, rate, seed) -> np.ndarray:
    text = _mask_text(shape, rate, seed)
    out = _call(ctx, "dropout_mask", (shape, rate, None), {}, text, rngs={"2": seed})
    try:
        return as_mask(out, "the result of `dropout_mask`", shape)
    except Failure as f:
        f.example = example(text, expected=f"a bool array of shape {shape!r}", got=fmt(out))
        raise


def mask_format_and_seed(ctx):
    """A bool array of the right shape; same seed -> same mask; other seed -> another."""
    for shape, rate in (((3, 4), 0.5), ((2, 3, 5), 0.2), ((1000,), 0.5)):
        first = _mask(ctx, shape, rate, 7)
        again = _mask(ctx, shape, rate, 7)
        if not np.array_equal(first, again):
            raise Failure("two generators built with the same seed gave different masks: use "
                          "only the `rng` argument for randomness",
                          example=example(_mask_text(shape, rate, 7) + " twice",
                                          expected=fmt(first), got=fmt(again)),
                          diagnosis="dropout_mask_ignores_rng")
    other = _mask(ctx, (1000,), 0.5, 8)
    if np.array_equal(first, other):
        constant = first.all() or not first.any()
        raise Failure("generators built with different seeds gave the same mask: draw it from "
                      "the `rng` argument",
                      example=example(f"{_mask_text((1000,), 0.5, 7)} and seed 8",
                                      expected="different masks",
                                      got="the same mask" + (" (every entry "
                                                             f"{bool(first.flat[0])})"
                                                             if constant else "")),
                      diagnosis="" if constant else "dropout_mask_ignores_rng")


MASK_SHAPE = (200, 500)
SIGMAS = 6.0        # binomial bound: a correct mask fails with probability ~2e-9


def mask_keep_fraction(ctx):
    """On 100 000 entries the kept fraction is 1 - rate within 6 binomial standard
    deviations; rate 0 keeps everything and rate 1 nothing."""
    n = int(np.prod(MASK_SHAPE))
    _mask(ctx, (3, 4), 0.5, 1234)     # a wrong type shows on a small mask first
    for i, rate in enumerate((0.1, 0.3, 0.5, 0.8, 0.0, 1.0)):
        seed = 1234 + i
        mask = _mask(ctx, MASK_SHAPE, rate, seed)
        kept = float(mask.mean())
        bound = SIGMAS * np.sqrt(rate * (1 - rate) / n)
        if abs(kept - (1 - rate)) > bound:
            diag = "dropout_mask_keeps_rate" if abs(kept - rate) <= bound else ""
            raise Failure(f"with rate={rate:g} the mask should keep (True) a fraction 1 - rate = "
                          f"{1 - rate:g} of the entries; yours keeps {kept:.5f}",
                          example=example(_mask_text(MASK_SHAPE, rate, seed),
                                          expected=f"kept fraction {1 - rate:g}"
                                                   + (f" +- {bound:.4f}" if bound else ""),
                                          got=f"kept fraction {kept:.5f}"),
                          diagnosis=diag)


EXPECT_DRAWS = 5000  # a 4.2% / 8.5% / 15% gap at rate 0.2 / 0.5 / 0.75 is caught


def expectation_is_kept(ctx):
    """The mean of ``dropout(x, rate, dropout_mask(...), training=True)`` over many
    masks is x (within 6 standard deviations): inverted dropout keeps the expectation."""
    x = np.array([[0.5, -1.0, 2.0, -1.5], [1.0, 1.25, -0.75, 3.0], [-2.0, 0.8, -0.6, 1.5]])
    shape = (EXPECT_DRAWS, *x.shape)
    xs = np.broadcast_to(x, shape).astype(np.float32)  # float32: half the bytes to send
    for i, rate in enumerate((0.2, 0.5, 0.75)):
        seed = 99 + i
        mask = _mask(ctx, shape, rate, seed)
        kept = float(mask.mean())
        bound = SIGMAS * np.sqrt(rate * (1 - rate) / mask.size)
        if abs(kept - (1 - rate)) > bound:     # an all-True mask keeps x "on average" too
            raise Failure(f"with rate={rate:g} the mask should keep a fraction 1 - rate = "
                          f"{1 - rate:g} of the entries; yours keeps {kept:.5f}, so the average "
                          "cannot show inverted scaling",
                          example=example(_mask_text(shape, rate, seed),
                                          expected=f"kept fraction {1 - rate:g} +- {bound:.4f}",
                                          got=f"kept fraction {kept:.5f}"),
                          diagnosis="dropout_mask_keeps_rate" if abs(kept - rate) <= bound
                          else "")
        text = (f"the mean over axis 0 of dropout(xs, {rate}, {_mask_text(shape, rate, seed)}, "
                f"training=True), xs = {EXPECT_DRAWS} float32 copies of x = {fmt(x)}")
        out = _call(ctx, "dropout", (xs, rate, mask), {"training": True}, text)
        mean = as_array(out, "the result of `dropout`", shape).mean(axis=0)
        tol = SIGMAS * np.abs(x) * np.sqrt(rate / ((1 - rate) * EXPECT_DRAWS))
        if np.any(~(np.abs(mean - x) <= tol)):
            # the mean a known mistake gives with THIS mask (kept entries: x, x*(1-rate))
            share = mask.mean(axis=0)
            diag = ""
            for mistake, scale in (("dropout_not_inverted", 1.0),
                                   ("dropout_multiplies_keep_prob", 1 - rate),
                                   ("dropout_divides_by_rate", 1 / rate)):
                if np.all(np.abs(mean - share * scale * x) <= 1e-4 * np.abs(x) + 1e-6):
                    diag = mistake
            raise Failure(f"averaged over {EXPECT_DRAWS} masks at rate={rate:g}, dropout's output "
                          "should be x (each entry is kept with probability 1 - rate and then "
                          f"scaled by 1/(1 - rate)); the largest relative gap is "
                          f"{float(np.nanmax(np.abs(mean - x) / np.abs(x))):.3g}",
                          example=example(text, expected=fmt(x), got=fmt(mean)),
                          diagnosis=diag)


# -- the parts --------------------------------------------------------------------------------

def _l1l2_checks():
    return (
        # One check per function (every recorded case: the lecture's L1(1.0)/L2(0.5),
        # the default 0.01, float32 weights with exact zeros, float64), so that one wrong
        # function costs its share only.
        Check(T("l1_penalty matches Keras's L1 (the lecture's L1(1.0), the default 0.01, "
                "float32 and float64)",
                "l1_penalty가 Keras의 L1과 같은 결과 (강의의 L1(1.0), 기본값 0.01, float32와 "
                "float64)"),
              l1l2_reference(names=("l1_penalty",)), weight=1.5, hints=HINTS),
        Check(T("l1_grad matches TensorFlow's gradient of L1 (0 where a weight is exactly 0)",
                "l1_grad가 TensorFlow의 L1 그래디언트와 같은 결과 (가중치가 정확히 0인 곳에서는 "
                "0)"),
              l1l2_reference(names=("l1_grad",)), weight=1.5, hints=HINTS),
        Check(T("l2_penalty matches Keras's L2 (the lecture's L2(0.5)([1, 2]) = 2.5: no 1/2)",
                "l2_penalty가 Keras의 L2와 같은 결과 (강의의 L2(0.5)([1, 2]) = 2.5: 1/2 없음)"),
              l1l2_reference(names=("l2_penalty",)), weight=1.5, hints=HINTS),
        Check(T("l2_grad matches TensorFlow's gradient of L2 (2*l2*w)",
                "l2_grad가 TensorFlow의 L2 그래디언트와 같은 결과 (2*l2*w)"),
              l1l2_reference(names=("l2_grad",)), weight=1.5, hints=HINTS),
        Check(T("matches Keras on the hidden cases",
                "숨겨진 테스트 케이스에서 Keras와 같은 결과"),
              l1l2_reference(hidden=True), weight=2, hidden=True, hints=HINTS),
        Check(T("penalties are never negative and scale as |c| (L1) and c**2 (L2)",
                "페널티는 음수가 아니고, 가중치를 c배 하면 |c|배(L1), c**2배(L2)가 됨"),
              penalty_properties(), weight=1, hints=HINTS),
        Check(T("each gradient agrees with finite differences of its penalty",
                "각 그래디언트가 페널티의 유한 차분 근사와 일치함"),
              gradients_match_finite_differences(), weight=1, hints=HINTS),
        Check(T("with SGD, adding l2_grad is weight decay with weight_decay = 2*l2",
                "SGD에서 l2_grad를 더하는 것은 weight_decay = 2*l2인 가중치 감쇠와 같음"),
              sgd_l2_is_weight_decay(), weight=1, hints=HINTS),
    )


def _dropout_checks():
    return (
        Check(T("matches Keras's Dropout(0.5) and Dropout(0.2) in training, given Keras's mask "
                "(the lecture's example)",
                "Keras의 마스크가 주어졌을 때 학습 모드의 Dropout(0.5), Dropout(0.2)와 같은 결과 "
                "(강의 예제)"),
              dropout_reference(tag="lecture", note_nonfinite=True), weight=3, hints=HINTS),
        Check(T("matches Keras on float32 inputs of many shapes and rates",
                "여러 가지 모양과 rate의 float32 입력에서 Keras와 같은 결과"),
              dropout_reference(tag="float32"), weight=3, hints=HINTS),
        Check(T("matches Keras on float64 inputs",
                "float64 입력에서 Keras와 같은 결과"),
              dropout_reference(tag="float64"), weight=1, hints=HINTS),
        Check(T("matches Keras on the hidden cases",
                "숨겨진 테스트 케이스에서 Keras와 같은 결과"),
              dropout_reference(hidden=True), weight=2, hidden=True, hints=HINTS),
        Check(T("training=False (the default) returns x unchanged",
                "training=False(기본값)이면 x를 그대로 반환함"),
              inference_is_identity(), weight=2, hints=HINTS),
        Check(T("in training, rate=0 returns x and rate=1 returns zeros",
                "학습 모드에서 rate=0이면 x를, rate=1이면 0을 반환함"),
              edge_rates(), weight=1, hints=HINTS),
        Check(T("dropout_mask returns a bool array of the given shape, the same for the same seed",
                "dropout_mask는 주어진 모양의 bool 배열을 반환하고, 시드가 같으면 마스크도 같음"),
              mask_format_and_seed, weight=1, hints=HINTS),
        Check(T("dropout_mask keeps about 1 - rate of the entries",
                "dropout_mask는 원소의 약 1 - rate 비율을 남김"),
              mask_keep_fraction, weight=2, hints=HINTS),
        Check(T("averaged over many masks, dropout's output is x (inverted scaling)",
                "여러 마스크에 걸쳐 평균을 내면 dropout의 출력이 x가 됨 (inverted 스케일링)"),
              expectation_is_kept, weight=1, hints=HINTS),
    )


_PROBE_W = np.array([[0.5, -1.25], [0.0, 2.0], [-0.75, 1.5]])
_PROBE_X = np.array([[0.5, -1.25, 2.0], [1.0, 0.75, -1.5]])
_PROBE_MASK = np.array([[True, False, True], [True, True, False]])

#: Ignored-argument probes (grader/diagnosis.py). dropout_mask is not probed: it needs
#: a generator, which a probe cannot pass. A dropout without 1/(1 - rate) does not use
#: `rate` (dropout_not_inverted) and one that scales at inference ignores `training`:
#: those named mistakes keep their names.
L1L2_PROBES = tuple(Probe(fn=name, args=(_PROBE_W,), kwargs={name[:2]: 0.01},
                          alternatives={name[:2]: 0.5}) for name in L1L2_NAMES)
DROPOUT_PROBES = (Probe(fn="dropout", args=(_PROBE_X,),
                        kwargs={"rate": 0.5, "mask": _PROBE_MASK, "training": True},
                        alternatives={"rate": 0.2, "training": False},
                        keeps=("dropout_not_inverted", "dropout_scaled_at_inference")),)


def parts() -> list[Part]:
    return [
        Part(id="l1_l2", title=T("L1 and L2 weight penalties", "L1, L2 가중치 페널티"),
             module="regularization", names=L1L2_NAMES, points=8, checks=_l1l2_checks(),
             probes=L1L2_PROBES),
        Part(id="dropout", title=T("Dropout", "드롭아웃"), module="regularization",
             names=DROPOUT_NAMES, points=10, checks=_dropout_checks(), probes=DROPOUT_PROBES),
    ]
