"""Known-wrong L1/L2 penalties and dropout (instructor-only: never shipped to students).

Each function has the signature of ONE student function (named in TARGET) and makes
exactly one mistake, named by the function. The recorder stores their outputs on
every case where they differ from Keras, so that a wrong answer can be named; the
tests turn each into a mutant submission that must lose points in its part only.
"""

import numpy as np


# -- l1_l2 -----------------------------------------------------------------------------------
def l2_with_half(weights, l2=0.01):
    return 0.5 * l2 * np.sum(np.square(weights))


def l2_grad_missing_factor_2(weights, l2=0.01):
    return l2 * weights


def l1_grad_sign_wrong_at_zero(weights, l1=0.01):
    return l1 * np.where(weights >= 0, 1.0, -1.0).astype(np.asarray(weights).dtype)


def l1_grad_nan_at_zero(weights, l1=0.01):
    with np.errstate(invalid="ignore", divide="ignore"):
        return l1 * weights / np.abs(weights)


def l2_penalty_norm(weights, l2=0.01):
    return l2 * np.sqrt(np.sum(np.square(weights)))


def l1_penalty_squares(weights, l1=0.01):
    return l1 * np.sum(np.square(weights))


def l1_penalty_mean(weights, l1=0.01):
    return l1 * np.mean(np.abs(weights))


def l1_penalty_not_summed(weights, l1=0.01):
    return l1 * np.abs(weights)


def l2_penalty_not_summed(weights, l2=0.01):
    return l2 * np.square(weights)


# -- dropout ---------------------------------------------------------------------------------
def dropout_not_inverted(x, rate, mask, training=False):
    if not training:
        return x
    return np.where(mask, x, np.zeros((), x.dtype))


def dropout_scaled_at_inference(x, rate, mask, training=False):
    if rate == 1:
        return np.zeros_like(x)
    return np.where(mask, x * np.asarray(1 / (1 - rate), x.dtype), np.zeros((), x.dtype))


def dropout_multiplies_keep_prob(x, rate, mask, training=False):
    if not training:
        return x
    return np.where(mask, x * np.asarray(1 - rate, x.dtype), np.zeros((), x.dtype))


def dropout_divides_by_rate(x, rate, mask, training=False):
    if not training:
        return x
    return np.where(mask, x / np.asarray(rate, x.dtype), np.zeros((), x.dtype))


def dropout_rate_one_nan(x, rate, mask, training=False):
    if not training:
        return x
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.asarray(np.float64(1) / np.float64(1 - rate), x.dtype)
        return np.where(mask, x * scale, np.zeros((), x.dtype)) if rate < 1 else x * mask * scale


def dropout_mask_meaning_inverted(x, rate, mask, training=False):
    # drops the entries the mask keeps (True taken as "dropped")
    if not training:
        return x
    if rate >= 1:
        return np.zeros_like(x)
    return np.where(mask, np.zeros((), x.dtype), x * np.asarray(1 / (1 - rate), x.dtype))


def dropout_masked_at_inference(x, rate, mask, training=False):
    # right in training; at inference still applies the mask (without scaling)
    if not training:
        return np.where(mask, x, np.zeros((), x.dtype))
    if rate >= 1:
        return np.zeros_like(x)
    return np.where(mask, x * np.asarray(1 / (1 - rate), x.dtype), np.zeros((), x.dtype))


def dropout_inference_multiplies_keep_prob(x, rate, mask, training=False):
    # right in training; at inference scales by 1 - rate as non-inverted dropout does
    if not training:
        return x * np.asarray(1 - rate, x.dtype)
    if rate >= 1:
        return np.zeros_like(x)
    return np.where(mask, x * np.asarray(1 / (1 - rate), x.dtype), np.zeros((), x.dtype))


def dropout_mask_keeps_rate(shape, rate, rng):
    return rng.random(shape) < rate


def dropout_mask_ignores_rng(shape, rate, rng):
    return np.random.random(shape) >= rate


def dropout_mask_float(shape, rate, rng):
    return (rng.random(shape) >= rate).astype(np.float64)


MISTAKES = {
    "l1_l2": [l2_with_half, l2_grad_missing_factor_2, l1_grad_sign_wrong_at_zero,
              l1_grad_nan_at_zero, l1_penalty_squares, l1_penalty_mean, l2_penalty_norm,
              l1_penalty_not_summed, l2_penalty_not_summed],
    "dropout": [dropout_not_inverted, dropout_scaled_at_inference, dropout_multiplies_keep_prob,
                dropout_divides_by_rate, dropout_mask_meaning_inverted,
                dropout_masked_at_inference, dropout_inference_multiplies_keep_prob,
                dropout_rate_one_nan, dropout_mask_keeps_rate, dropout_mask_ignores_rng,
                dropout_mask_float],
}

#: The student function each mistake replaces.
TARGET = {
    "l2_with_half": "l2_penalty",
    "l2_grad_missing_factor_2": "l2_grad",
    "l1_grad_sign_wrong_at_zero": "l1_grad",
    "l1_grad_nan_at_zero": "l1_grad",
    "l1_penalty_squares": "l1_penalty",
    "l1_penalty_mean": "l1_penalty",
    "l2_penalty_norm": "l2_penalty",
    "l1_penalty_not_summed": "l1_penalty",
    "l2_penalty_not_summed": "l2_penalty",
    "dropout_mask_meaning_inverted": "dropout",
    "dropout_masked_at_inference": "dropout",
    "dropout_inference_multiplies_keep_prob": "dropout",
    "dropout_not_inverted": "dropout",
    "dropout_scaled_at_inference": "dropout",
    "dropout_multiplies_keep_prob": "dropout",
    "dropout_divides_by_rate": "dropout",
    "dropout_rate_one_nan": "dropout",
    "dropout_mask_keeps_rate": "dropout_mask",
    "dropout_mask_ignores_rng": "dropout_mask",
    "dropout_mask_float": "dropout_mask",
}


# -- trivial mutants: every function of the part replaced; each must score 0 there ------------
def trivial_zero_penalty(weights, *args, **kwargs):
    return 0.0


def trivial_zero_grad(weights, *args, **kwargs):
    return np.zeros_like(weights)


def trivial_returns_weights(weights, *args, **kwargs):
    return weights


def trivial_mask_all_kept(shape, rate, rng):
    return np.ones(shape, dtype=bool)


def trivial_mask_none_kept(shape, rate, rng):
    return np.zeros(shape, dtype=bool)


def trivial_returns_x(x, rate, mask, training=False):
    return x


def trivial_dropout_zeros(x, rate, mask, training=False):
    return np.zeros_like(x)


def trivial_dropout_x_times_mask(x, rate, mask, training=False):
    # ignores training and rate (issue 11, review round 2): earns nothing for `dropout`
    return x * mask


#: {part: {trivial id: {student name: replacement}}}
TRIVIAL = {
    "l1_l2": {
        "zeros": {"l1_penalty": "trivial_zero_penalty", "l2_penalty": "trivial_zero_penalty",
                  "l1_grad": "trivial_zero_grad", "l2_grad": "trivial_zero_grad"},
        "returns_inputs": {n: "trivial_returns_weights"
                           for n in ("l1_penalty", "l1_grad", "l2_penalty", "l2_grad")},
    },
    "dropout": {
        "returns_inputs": {"dropout_mask": "trivial_mask_all_kept", "dropout": "trivial_returns_x"},
        "zeros": {"dropout_mask": "trivial_mask_none_kept", "dropout": "trivial_dropout_zeros"},
    },
}
