"""Known-wrong optimizer steps (instructor-only: never shipped to students).

Each function has the student's signature and makes exactly one mistake named by its
key in MISTAKES. They serve twice: the recorder stores their trajectories so that a
student's wrong answer can be named, and the tests turn them into mutant
submissions that must lose points in their part (and only there).
TEXTBOOK holds accepted variants (the textbook epsilon placement).
"""

import numpy as np


# -- momentum ------------------------------------------------------------------------------
def momentum_plus_sign(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity + learning_rate * grad
    return param + v, v


def momentum_ignored(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    return param - learning_rate * grad, momentum * velocity - learning_rate * grad


def momentum_pytorch_velocity(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity + grad
    return param - learning_rate * v, v


def momentum_stale_velocity(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    return param + velocity, momentum * velocity - learning_rate * grad


def momentum_dampened(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity - (1 - momentum) * learning_rate * grad
    return param + v, v


# -- nesterov ------------------------------------------------------------------------------
def nesterov_is_plain_momentum(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity - learning_rate * grad
    return param + v, v


def nesterov_pytorch_velocity(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    b = momentum * velocity + grad
    return param - learning_rate * (grad + momentum * b), b


def nesterov_no_gradient_term(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity - learning_rate * grad
    return param + momentum * v, v


# -- adagrad -------------------------------------------------------------------------------
def adagrad_decaying_accumulator(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    acc = 0.9 * accumulator + 0.1 * grad ** 2
    return param - learning_rate * grad / np.sqrt(acc + epsilon), acc


def adagrad_accumulate_after_update(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    new_param = param - learning_rate * grad / np.sqrt(accumulator + epsilon)
    return new_param, accumulator + grad ** 2


def adagrad_no_sqrt(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    acc = accumulator + grad ** 2
    return param - learning_rate * grad / (acc + epsilon), acc


def adagrad_textbook(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    acc = accumulator + grad ** 2
    return param - learning_rate * grad / (np.sqrt(acc) + epsilon), acc


# -- rmsprop -------------------------------------------------------------------------------
def rmsprop_swapped_rho(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    v = (1 - rho) * velocity + rho * grad ** 2
    return param - learning_rate * grad / np.sqrt(v + epsilon), v


def rmsprop_no_decay(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    v = velocity + grad ** 2
    return param - learning_rate * grad / np.sqrt(v + epsilon), v


def rmsprop_no_sqrt(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    v = rho * velocity + (1 - rho) * grad ** 2
    return param - learning_rate * grad / (v + epsilon), v


def rmsprop_old_velocity(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    v = rho * velocity + (1 - rho) * grad ** 2
    return param - learning_rate * grad / np.sqrt(velocity + epsilon), v


def rmsprop_textbook(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    v = rho * velocity + (1 - rho) * grad ** 2
    return param - learning_rate * grad / (np.sqrt(v) + epsilon), v


# -- adam ----------------------------------------------------------------------------------
def _moments(grad, m, v, beta_1, beta_2):
    return beta_1 * m + (1 - beta_1) * grad, beta_2 * v + (1 - beta_2) * grad ** 2


def adam_no_bias_correction(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9,
                            beta_2=0.999, epsilon=1e-7):
    m, v = _moments(grad, m, v, beta_1, beta_2)
    return param - learning_rate * m / (np.sqrt(v) + epsilon), m, v


def adam_swapped_betas(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                       epsilon=1e-7):
    m, v = _moments(grad, m, v, beta_2, beta_1)
    m_hat, v_hat = m / (1 - beta_2 ** t), v / (1 - beta_1 ** t)
    return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def adam_zero_based_t(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                      epsilon=1e-7):
    m, v = _moments(grad, m, v, beta_1, beta_2)
    with np.errstate(all="ignore"):
        m_hat, v_hat = m / (1 - beta_1 ** (t - 1)), v / (1 - beta_2 ** (t - 1))
        return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def adam_only_m_corrected(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                          epsilon=1e-7):
    m, v = _moments(grad, m, v, beta_1, beta_2)
    return param - learning_rate * (m / (1 - beta_1 ** t)) / (np.sqrt(v) + epsilon), m, v


def adam_no_sqrt(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7):
    m, v = _moments(grad, m, v, beta_1, beta_2)
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    return param - learning_rate * m_hat / (v_hat + epsilon), m, v


def adam_textbook(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                  epsilon=1e-7):
    m, v = _moments(grad, m, v, beta_1, beta_2)
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


# -- adamw ---------------------------------------------------------------------------------
def _keras_adam(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon):
    m = m + (1 - beta_1) * (grad - m)
    v = v + (1 - beta_2) * (grad ** 2 - v)
    alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v


def adamw_coupled_l2(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
                     beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    return _keras_adam(param, grad + weight_decay * param, m, v, t, learning_rate, beta_1,
                       beta_2, epsilon)


def adamw_decay_without_lr(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
                           beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    return _keras_adam(param - weight_decay * param, grad, m, v, t, learning_rate, beta_1,
                       beta_2, epsilon)


def adamw_decay_after_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
                           beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    p, m, v = _keras_adam(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
    return p - learning_rate * weight_decay * p, m, v


def adamw_no_decay(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
                   beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    return _keras_adam(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)


def adamw_textbook(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
                   beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    decayed = param - learning_rate * weight_decay * param
    return adam_textbook(decayed, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)


def adamw_decay_scales_grad(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
                            beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    return _keras_adam(param, grad + weight_decay * grad, m, v, t, learning_rate, beta_1,
                       beta_2, epsilon)


# -- more one-bug variants seen in real code ------------------------------------------------
def momentum_no_lr(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity - grad
    return param + v, v


def momentum_velocity_negated(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity + learning_rate * grad
    return param - v, v


def momentum_subtracts_velocity(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity - learning_rate * grad
    return param - v, v


def momentum_plain_sgd(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    return param - learning_rate * grad, velocity


def adagrad_no_square(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    acc = accumulator + grad
    with np.errstate(all="ignore"):
        return param - learning_rate * grad / np.sqrt(acc + epsilon), acc


def adam_m_of_squares(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                      epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grad ** 2
    v = beta_2 * v + (1 - beta_2) * grad ** 2
    alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v


def adagrad_no_history(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    acc = grad ** 2
    return param - learning_rate * grad / np.sqrt(acc + epsilon), acc


def adam_t_plus_one(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                    epsilon=1e-7):
    t = t + 1
    m, v = _moments(grad, m, v, beta_1, beta_2)
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def adam_eps_inside_sqrt(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                         epsilon=1e-7):
    m, v = _moments(grad, m, v, beta_1, beta_2)
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    return param - learning_rate * m_hat / np.sqrt(v_hat + epsilon), m, v


def adam_returns_corrected_moments(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9,
                                   beta_2=0.999, epsilon=1e-7):
    m, v = _moments(grad, m, v, beta_1, beta_2)
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m_hat, v_hat


def adam_v_uses_beta_1(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                       epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_1 * v + (1 - beta_1) * grad ** 2
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def rmsprop_no_square(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    v = rho * velocity + (1 - rho) * grad
    with np.errstate(all="ignore"):
        return param - learning_rate * grad / np.sqrt(v + epsilon), v


# -- forms seen in an independent review (issue 11, round 2) ---------------------------------
def momentum_is_nesterov(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity - learning_rate * grad
    return param + momentum * v - learning_rate * grad, v


def nesterov_fixed_lr_in_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity - learning_rate * grad
    return param + momentum * v - 0.01 * grad, v


def nesterov_fixed_lr_in_velocity(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity - 0.01 * grad
    return param + momentum * v - learning_rate * grad, v


def adam_swapped_betas__keras_form(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9,
                                  beta_2=0.999, epsilon=1e-7):
    m = beta_2 * m + (1 - beta_2) * grad          # the moments swap their betas,
    v = beta_1 * v + (1 - beta_1) * grad ** 2     # the bias correction does not
    alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v


def adam_no_sqrt__keras_form(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9,
                            beta_2=0.999, epsilon=1e-7):
    m, v = _moments(grad, m, v, beta_1, beta_2)
    alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return param - alpha * m / (v + epsilon), m, v


def _keras_form(grad, m, v, t, learning_rate, beta_1, beta_2, *, t_shift=0, m_of=None,
                b_v=None):
    """Keras's folded bias correction (alpha = lr*sqrt(1-beta_2**t)/(1-beta_1**t))."""
    m = beta_1 * m + (1 - beta_1) * (grad if m_of is None else m_of)
    b_v = beta_2 if b_v is None else b_v
    v = b_v * v + (1 - b_v) * grad ** 2
    t = t + t_shift
    with np.errstate(all="ignore"):
        return learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t), m, v


def adam_t_plus_one__keras_form(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9,
                                beta_2=0.999, epsilon=1e-7):
    alpha, m, v = _keras_form(grad, m, v, t, learning_rate, beta_1, beta_2, t_shift=1)
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v


def adam_zero_based_t__keras_form(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9,
                                  beta_2=0.999, epsilon=1e-7):
    alpha, m, v = _keras_form(grad, m, v, t, learning_rate, beta_1, beta_2, t_shift=-1)
    with np.errstate(all="ignore"):
        return param - alpha * m / (np.sqrt(v) + epsilon), m, v


def adam_v_uses_beta_1__keras_form(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9,
                                   beta_2=0.999, epsilon=1e-7):
    alpha, m, v = _keras_form(grad, m, v, t, learning_rate, beta_1, beta_2, b_v=beta_1)
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v


def adam_eps_inside_sqrt__keras_form(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9,
                                     beta_2=0.999, epsilon=1e-7):
    alpha, m, v = _keras_form(grad, m, v, t, learning_rate, beta_1, beta_2)
    return param - alpha * m / np.sqrt(v + epsilon), m, v


def adam_m_of_squares__textbook(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9,
                                beta_2=0.999, epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grad ** 2
    v = beta_2 * v + (1 - beta_2) * grad ** 2
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def adamw_decay_uses_grad(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
                          beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    return _keras_adam(param - learning_rate * weight_decay * grad, grad, m, v, t,
                       learning_rate, beta_1, beta_2, epsilon)


def adamw_fixed_lr_in_decay(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
                            beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    return _keras_adam(param - 0.001 * weight_decay * param, grad, m, v, t,
                       learning_rate, beta_1, beta_2, epsilon)


def adamw_fixed_lr_in_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
                           beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    return _keras_adam(param - learning_rate * weight_decay * param, grad, m, v, t,
                       0.001, beta_1, beta_2, epsilon)


def _plain_sgd(part, n, default_lr):
    def step(param, grad, *rest, learning_rate=default_lr, **hparams):   # the state is unused
        return (param - learning_rate * grad, *rest[:n])

    step.__name__ = step.__qualname__ = f"{part}_plain_sgd"
    return step


PLAIN_SGD = {part: _plain_sgd(part, n, lr) for part, n, lr in (
    ("nesterov", 1, 0.01), ("adagrad", 1, 0.001), ("rmsprop", 1, 0.001), ("adam", 2, 0.001),
    ("adamw", 2, 0.001))}
globals().update({fn.__name__: fn for fn in PLAIN_SGD.values()})


# -- trivial variants: each must score 0 in its part -----------------------------------------
def _sgd(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity - learning_rate * grad
    return param + v, v


def _nesterov(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = momentum * velocity - learning_rate * grad
    return param + momentum * v - learning_rate * grad, v


def _adagrad(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    acc = accumulator + grad ** 2
    return param - learning_rate * grad / np.sqrt(acc + epsilon), acc


def _rmsprop(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    v = rho * velocity + (1 - rho) * grad ** 2
    return param - learning_rate * grad / np.sqrt(v + epsilon), v


def _adam(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    return _keras_adam(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)


def _adamw(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
           beta_2=0.999, epsilon=1e-7):
    return _keras_adam(param - learning_rate * weight_decay * param, grad, m, v, t,
                       learning_rate, beta_1, beta_2, epsilon)


_CORRECT = {"momentum": (_sgd, 1), "nesterov": (_nesterov, 1), "adagrad": (_adagrad, 1),
            "rmsprop": (_rmsprop, 1), "adam": (_adam, 2), "adamw": (_adamw, 2)}
TRIVIAL_KINDS = ("returns_inputs", "returns_zeros", "param_times_zero", "param_not_updated",
                 "state_not_updated")


def _trivial(part, kind):
    correct, n = _CORRECT[part]

    def step(param, grad, *rest, **hparams):
        state = rest[:n]
        if kind == "returns_inputs":             # return param, velocity
            return (param, *state)
        if kind == "returns_zeros":              # return np.zeros_like(param), ...
            return tuple(np.zeros_like(param) for _ in range(n + 1))
        new = correct(param, grad, *rest, **hparams)
        if kind == "param_times_zero":           # return param * 0, new_state
            return (param * 0, *new[1:])
        if kind == "param_not_updated":          # the state is updated, the parameter is not
            return (param, *new[1:])
        return (new[0], *state)                  # state_not_updated: the reverse

    step.__name__ = step.__qualname__ = f"{part}_{kind}"
    return step


for _part in _CORRECT:
    for _kind in TRIVIAL_KINDS:
        globals()[f"{_part}_{_kind}"] = _trivial(_part, _kind)
TRIVIAL = {part: [globals()[f"{part}_{kind}"] for kind in TRIVIAL_KINDS] for part in _CORRECT}


MISTAKES = {
    "momentum": [momentum_plus_sign, momentum_ignored, momentum_pytorch_velocity,
                 momentum_stale_velocity, momentum_dampened, momentum_no_lr,
                 momentum_velocity_negated, momentum_subtracts_velocity, momentum_plain_sgd],
    "nesterov": [nesterov_is_plain_momentum, nesterov_pytorch_velocity, nesterov_no_gradient_term],
    "adagrad": [adagrad_decaying_accumulator, adagrad_accumulate_after_update, adagrad_no_sqrt,
                adagrad_no_square, adagrad_no_history],
    "rmsprop": [rmsprop_swapped_rho, rmsprop_no_decay, rmsprop_no_sqrt, rmsprop_old_velocity,
                rmsprop_no_square],
    "adam": [adam_no_bias_correction, adam_swapped_betas, adam_zero_based_t,
             adam_only_m_corrected, adam_no_sqrt, adam_m_of_squares, adam_t_plus_one,
             adam_eps_inside_sqrt, adam_returns_corrected_moments, adam_v_uses_beta_1],
    "adamw": [adamw_coupled_l2, adamw_decay_without_lr, adamw_decay_after_step, adamw_no_decay,
              adamw_decay_scales_grad],
}
MISTAKES["momentum"].append(momentum_is_nesterov)
MISTAKES["nesterov"] += [nesterov_fixed_lr_in_step, nesterov_fixed_lr_in_velocity]
#: Other forms of a mistake (``<id>__<form>``: named by the id, see trajectory.mistake_id)
MISTAKES["adam"] += [adam_swapped_betas__keras_form, adam_no_sqrt__keras_form,
                     adam_t_plus_one__keras_form, adam_zero_based_t__keras_form,
                     adam_v_uses_beta_1__keras_form, adam_eps_inside_sqrt__keras_form,
                     adam_m_of_squares__textbook]
MISTAKES["adamw"] += [adamw_decay_uses_grad, adamw_fixed_lr_in_decay, adamw_fixed_lr_in_step]
for _part, _fn in PLAIN_SGD.items():
    MISTAKES[_part].append(_fn)


def _in_adamw(adam_mistake):
    """AdamW written as the decay then the student's Adam step, with a mistake in that
    step: named by the Adam mistake's id (form ``in_adamw``)."""
    def step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
             beta_2=0.999, epsilon=1e-7):
        return adam_mistake(param - learning_rate * weight_decay * param, grad, m, v, t,
                            learning_rate, beta_1, beta_2, epsilon)

    name = adam_mistake.__name__.split("__", 1)[0] + "__in_adamw"
    if "__" in adam_mistake.__name__:
        name += "_" + adam_mistake.__name__.split("__", 1)[1]
    step.__name__ = step.__qualname__ = name
    return step


IN_ADAMW = [_in_adamw(fn) for fn in MISTAKES["adam"] if fn is not PLAIN_SGD["adam"]]
globals().update({fn.__name__: fn for fn in IN_ADAMW})
MISTAKES["adamw"] += IN_ADAMW
for _part, _fns in TRIVIAL.items():
    MISTAKES[_part] = MISTAKES[_part] + _fns
TEXTBOOK = {"adagrad": adagrad_textbook, "rmsprop": rmsprop_textbook, "adam": adam_textbook,
            "adamw": adamw_textbook}
