"""What each known optimizer mistake returns (float64; instructor-only, never shipped).

A property check fails on an input of its own (not a recorded case); to name the
mistake it needs that mistake's output on that same input: a mistake is named only
when its output reproduces the student's (issue 11.4). These models compute it for
every call the property checks make on their recorded examples, once, when recording
(:func:`grader.assignments.training.authoring.record_optimizers.record_evidence`); grading reads the
recorded outputs (``grader/training/evidence.py``), so no mistake's code (one token
away from a solution) is shipped. They are the formulas of
``grader/assignments/training/authoring/mistakes_optimizers.py`` (the tests check that both agree); the ids
are the keys of ``optimizers.HINTS``.
"""

from __future__ import annotations

import numpy as np

#: Trivial variants of every part (must score 0): see :func:`trivial`.
TRIVIAL_KINDS = ("returns_inputs", "returns_zeros", "param_times_zero", "param_not_updated",
                 "state_not_updated")
N_STATE = {"momentum": 1, "nesterov": 1, "adagrad": 1, "rmsprop": 1, "adam": 2, "adamw": 2}


def _f(x):
    return np.asarray(x, dtype=np.float64)


def sgd(p, g, v, learning_rate=0.01, momentum=0.0):
    v = momentum * v - learning_rate * g
    return p + v, v


def nesterov(p, g, v, learning_rate=0.01, momentum=0.0):
    v = momentum * v - learning_rate * g
    return p + momentum * v - learning_rate * g, v


def adagrad(p, g, acc, learning_rate=0.001, epsilon=1e-7, *, square=True, sqrt=True,
            decay=None, after=False):
    new = (decay * acc + (1 - decay) * g ** 2 if decay is not None
           else acc + (g ** 2 if square else g))
    used = acc if after else new
    with np.errstate(all="ignore"):
        denom = np.sqrt(used + epsilon) if sqrt else used + epsilon
        return p - learning_rate * g / denom, new


def rmsprop(p, g, v, learning_rate=0.001, rho=0.9, epsilon=1e-7, *, swapped=False,
            decay=True, sqrt=True, old=False, square=True):
    g2 = g ** 2 if square else g
    if not decay:
        new = v + g2
    elif swapped:
        new = (1 - rho) * v + rho * g2
    else:
        new = rho * v + (1 - rho) * g2
    used = v if old else new
    with np.errstate(all="ignore"):
        denom = np.sqrt(used + epsilon) if sqrt else used + epsilon
        return p - learning_rate * g / denom, new


def keras_adam(p, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = m + (1 - beta_1) * (g - m)
    v = v + (1 - beta_2) * (g ** 2 - v)
    alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return p - alpha * m / (np.sqrt(v) + epsilon), m, v


def textbook_adam(p, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                  *, correct_m=True, correct_v=True, sqrt=True, t_shift=0, swap=False,
                  m_of_squares=False):
    b_m, b_v = (beta_2, beta_1) if swap else (beta_1, beta_2)
    m = b_m * m + (1 - b_m) * (g ** 2 if m_of_squares else g)
    v = b_v * v + (1 - b_v) * g ** 2
    with np.errstate(all="ignore"):
        m_hat = m / (1 - b_m ** (t + t_shift)) if correct_m else m
        v_hat = v / (1 - b_v ** (t + t_shift)) if correct_v else v
        denom = np.sqrt(v_hat) + epsilon if sqrt else v_hat + epsilon
        return p - learning_rate * m_hat / denom, m, v


def adamw(p, g, m, v, t, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
          epsilon=1e-7):
    return keras_adam(p - learning_rate * weight_decay * p, g, m, v, t, learning_rate, beta_1,
                      beta_2, epsilon)


CORRECT = {"momentum": sgd, "nesterov": nesterov, "adagrad": adagrad, "rmsprop": rmsprop,
           "adam": keras_adam, "adamw": adamw}


def _adamw_variant(kind):
    def step(p, g, m, v, t, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
             epsilon=1e-7):
        hp = (learning_rate, beta_1, beta_2, epsilon)
        if kind == "uses_grad":
            return keras_adam(p - learning_rate * weight_decay * g, g, m, v, t, *hp)
        if kind == "fixed_lr":
            return keras_adam(p - 0.001 * weight_decay * p, g, m, v, t, *hp)
        if kind == "fixed_lr_step":
            return keras_adam(p - learning_rate * weight_decay * p, g, m, v, t, 0.001,
                              *hp[1:])
        if kind == "coupled_l2":
            return keras_adam(p, g + weight_decay * p, m, v, t, *hp)
        if kind == "scales_grad":
            return keras_adam(p, g + weight_decay * g, m, v, t, *hp)
        if kind == "without_lr":
            return keras_adam(p - weight_decay * p, g, m, v, t, *hp)
        if kind == "after":
            q, m, v = keras_adam(p, g, m, v, t, *hp)
            return q - learning_rate * weight_decay * q, m, v
        return keras_adam(p, g, m, v, t, *hp)   # no decay
    return step


MODELS = {
    "momentum": {
        "momentum_plus_sign": lambda p, g, v, learning_rate=0.01, momentum=0.0: (
            p + (momentum * v + learning_rate * g), momentum * v + learning_rate * g),
        "momentum_ignored": lambda p, g, v, learning_rate=0.01, momentum=0.0: (
            p - learning_rate * g, momentum * v - learning_rate * g),
        "momentum_pytorch_velocity": lambda p, g, v, learning_rate=0.01, momentum=0.0: (
            p - learning_rate * (momentum * v + g), momentum * v + g),
        "momentum_stale_velocity": lambda p, g, v, learning_rate=0.01, momentum=0.0: (
            p + v, momentum * v - learning_rate * g),
        "momentum_dampened": lambda p, g, v, learning_rate=0.01, momentum=0.0: (
            p + (momentum * v - (1 - momentum) * learning_rate * g),
            momentum * v - (1 - momentum) * learning_rate * g),
        "momentum_no_lr": lambda p, g, v, learning_rate=0.01, momentum=0.0: (
            p + momentum * v - g, momentum * v - g),
        "momentum_velocity_negated": lambda p, g, v, learning_rate=0.01, momentum=0.0: (
            p - (momentum * v + learning_rate * g), momentum * v + learning_rate * g),
        "momentum_subtracts_velocity": lambda p, g, v, learning_rate=0.01, momentum=0.0: (
            p - (momentum * v - learning_rate * g), momentum * v - learning_rate * g),
        "momentum_plain_sgd": lambda p, g, v, learning_rate=0.01, momentum=0.0: (
            p - learning_rate * g, v),
    },
    "nesterov": {
        "nesterov_is_plain_momentum": sgd,
        "nesterov_pytorch_velocity": lambda p, g, v, learning_rate=0.01, momentum=0.0: (
            p - learning_rate * (g + momentum * (momentum * v + g)), momentum * v + g),
        "nesterov_no_gradient_term": lambda p, g, v, learning_rate=0.01, momentum=0.0: (
            p + momentum * (momentum * v - learning_rate * g), momentum * v - learning_rate * g),
    },
    "adagrad": {
        "adagrad_decaying_accumulator": lambda *a, **k: adagrad(*a, **k, decay=0.9),
        "adagrad_accumulate_after_update": lambda *a, **k: adagrad(*a, **k, after=True),
        "adagrad_no_sqrt": lambda *a, **k: adagrad(*a, **k, sqrt=False),
        "adagrad_no_square": lambda *a, **k: adagrad(*a, **k, square=False),
        "adagrad_no_history": lambda p, g, acc, learning_rate=0.001, epsilon=1e-7: (
            p - learning_rate * g / np.sqrt(g ** 2 + epsilon), g ** 2),
    },
    "rmsprop": {
        "rmsprop_swapped_rho": lambda *a, **k: rmsprop(*a, **k, swapped=True),
        "rmsprop_no_decay": lambda *a, **k: rmsprop(*a, **k, decay=False),
        "rmsprop_no_sqrt": lambda *a, **k: rmsprop(*a, **k, sqrt=False),
        "rmsprop_old_velocity": lambda *a, **k: rmsprop(*a, **k, old=True),
        "rmsprop_no_square": lambda *a, **k: rmsprop(*a, **k, square=False),
    },
    "adam": {
        "adam_no_bias_correction": lambda *a, **k: textbook_adam(*a, **k, correct_m=False,
                                                                 correct_v=False),
        "adam_swapped_betas": lambda *a, **k: textbook_adam(*a, **k, swap=True),
        "adam_zero_based_t": lambda *a, **k: textbook_adam(*a, **k, t_shift=-1),
        "adam_only_m_corrected": lambda *a, **k: textbook_adam(*a, **k, correct_v=False),
        "adam_no_sqrt": lambda *a, **k: textbook_adam(*a, **k, sqrt=False),
        "adam_t_plus_one": lambda *a, **k: textbook_adam(*a, **k, t_shift=1),
        "adam_eps_inside_sqrt": lambda *a, **k: _adam_variant(*a, **k, eps_inside=True),
        "adam_returns_corrected_moments": lambda *a, **k: _adam_variant(*a, **k,
                                                                        return_hat=True),
        "adam_v_uses_beta_1": lambda *a, **k: _adam_variant(*a, **k, v_beta_1=True),
        "adam_m_of_squares": lambda p, g, m, v, t, learning_rate=0.001, beta_1=0.9,
        beta_2=0.999, epsilon=1e-7: _m_of_squares(p, g, m, v, t, learning_rate, beta_1, beta_2,
                                                  epsilon),
    },
    "adamw": {f"adamw_{k}": _adamw_variant(v) for k, v in (
        ("coupled_l2", "coupled_l2"), ("decay_without_lr", "without_lr"),
        ("decay_after_step", "after"), ("no_decay", "none"),
        ("decay_scales_grad", "scales_grad"), ("decay_uses_grad", "uses_grad"),
        ("fixed_lr_in_decay", "fixed_lr"), ("fixed_lr_in_step", "fixed_lr_step"))},
}
MODELS["momentum"]["momentum_is_nesterov"] = nesterov
MODELS["nesterov"]["nesterov_fixed_lr_in_step"] = (
    lambda p, g, v, learning_rate=0.01, momentum=0.0: (
        p + momentum * (momentum * v - learning_rate * g) - 0.01 * g,
        momentum * v - learning_rate * g))
MODELS["nesterov"]["nesterov_fixed_lr_in_velocity"] = (
    lambda p, g, v, learning_rate=0.01, momentum=0.0: (
        p + momentum * (momentum * v - 0.01 * g) - learning_rate * g, momentum * v - 0.01 * g))


def _keras_form(p, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                *, swap=False, sqrt=True, t_shift=0, v_beta_1=False, eps_inside=False):
    """Keras's folded bias correction (alpha = lr*sqrt(1-beta_2**t)/(1-beta_1**t)), with
    one mistake: the moments' betas swapped, no square root, t shifted, v averaged with
    beta_1, epsilon inside the square root."""
    b_m, b_v = (beta_2, beta_1) if swap else (beta_1, beta_2)
    if v_beta_1:
        b_v = beta_1
    m = b_m * m + (1 - b_m) * g
    v = b_v * v + (1 - b_v) * g ** 2
    t = t + t_shift
    with np.errstate(all="ignore"):
        alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        if eps_inside:
            return p - alpha * m / np.sqrt(v + epsilon), m, v
        return p - alpha * m / ((np.sqrt(v) if sqrt else v) + epsilon), m, v


MODELS["adam"].update({
    "adam_swapped_betas__keras_form": lambda *a, **k: _keras_form(*a, **k, swap=True),
    "adam_no_sqrt__keras_form": lambda *a, **k: _keras_form(*a, **k, sqrt=False),
    "adam_t_plus_one__keras_form": lambda *a, **k: _keras_form(*a, **k, t_shift=1),
    "adam_zero_based_t__keras_form": lambda *a, **k: _keras_form(*a, **k, t_shift=-1),
    "adam_v_uses_beta_1__keras_form": lambda *a, **k: _keras_form(*a, **k, v_beta_1=True),
    "adam_eps_inside_sqrt__keras_form": lambda *a, **k: _keras_form(*a, **k, eps_inside=True),
    "adam_m_of_squares__textbook": lambda *a, **k: textbook_adam(*a, **k, m_of_squares=True),
})


def _plain_sgd(n, default_lr):
    def step(p, g, *rest, learning_rate=default_lr, **hp):
        return (p - learning_rate * g, *rest[:n])
    return step


for _pid in ("nesterov", "adagrad", "rmsprop", "adam", "adamw"):
    MODELS[_pid][f"{_pid}_plain_sgd"] = _plain_sgd(N_STATE[_pid],
                                                   0.01 if _pid == "nesterov" else 0.001)


def _in_adamw(adam_model):
    def step(p, g, m, v, t, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
             epsilon=1e-7):
        return adam_model(p - learning_rate * weight_decay * p, g, m, v, t, learning_rate,
                          beta_1, beta_2, epsilon)
    return step


# AdamW = the decay, then an Adam step with one of Adam's mistakes (named by its id)
for _name, _model in list(MODELS["adam"].items()):
    if _name == "adam_plain_sgd":
        continue
    _base, _, _form = _name.partition("__")
    MODELS["adamw"][_base + "__in_adamw" + (f"_{_form}" if _form else "")] = _in_adamw(_model)


def _adam_variant(p, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                  *, eps_inside=False, return_hat=False, v_beta_1=False):
    b_v = beta_1 if v_beta_1 else beta_2
    m = beta_1 * m + (1 - beta_1) * g
    v = b_v * v + (1 - b_v) * g ** 2
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    denom = np.sqrt(v_hat + epsilon) if eps_inside else np.sqrt(v_hat) + epsilon
    new = p - learning_rate * m_hat / denom
    return (new, m_hat, v_hat) if return_hat else (new, m, v)


def _m_of_squares(p, g, m, v, t, learning_rate, beta_1, beta_2, epsilon):
    m = beta_1 * m + (1 - beta_1) * g ** 2
    v = beta_2 * v + (1 - beta_2) * g ** 2
    alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return p - alpha * m / (np.sqrt(v) + epsilon), m, v


def trivial(part_id: str, kind: str):
    correct, n = CORRECT[part_id], N_STATE[part_id]

    def step(p, g, *rest, **hp):
        state = rest[:n]
        if kind == "returns_inputs":
            return (p, *state)
        if kind == "returns_zeros":
            return tuple(np.zeros_like(p) for _ in range(n + 1))
        new = correct(p, g, *rest, **hp)
        if kind == "param_times_zero":
            return (p * 0, *new[1:])
        if kind == "param_not_updated":
            return (p, *new[1:])
        return (new[0], *state)
    return step


for _pid in CORRECT:
    for _kind in TRIVIAL_KINDS:
        MODELS[_pid][f"{_pid}_{_kind}"] = trivial(_pid, _kind)


def outputs(part_id: str, args, kwargs) -> dict:
    """``{mistake id: (new_param, *new_state)}`` on this input (float64); a model that
    cannot run on it is left out."""
    args = [_f(a) if isinstance(a, np.ndarray) else a for a in args]
    out = {}
    with np.errstate(all="ignore"):
        for mistake, fn in MODELS[part_id].items():
            try:
                out[mistake] = tuple(_f(o) for o in fn(*args, **kwargs))
            except Exception:  # pragma: no cover - a model is plain numpy
                continue
    return out


def correct(part_id: str, args, kwargs) -> tuple:
    """Keras's output on this input (float64)."""
    args = [_f(a) if isinstance(a, np.ndarray) else a for a in args]
    with np.errstate(all="ignore"):
        return tuple(_f(o) for o in CORRECT[part_id](*args, **kwargs))


def reproducing(part_id: str, args, kwargs, got, rtol=1e-4, atol=1e-6) -> list[str]:
    """The known mistakes whose output on this input reproduces ``got`` (the student's
    outputs, as float64 arrays; NaN where the mistake gives NaN counts as reproduced).
    The models are exact: the tolerance only absorbs float32 rounding, so that a
    nearby mistake (a fixed beta_2=0.999 is not "v never updated") is not taken for it."""
    found = []
    for mistake, want in outputs(part_id, args, kwargs).items():
        if len(want) != len(got):
            continue
        if all(w.shape == np.shape(o) and np.allclose(o, w, rtol=rtol, atol=atol, equal_nan=True)
               for o, w in zip(got, want)):
            found.append(mistake)
    return found
