"""Known-wrong batch normalisation (instructor-only: never shipped to students).

Each function has the student's signature and makes exactly one mistake named by its
key in MISTAKES. The recorder stores their outputs so that a student's wrong answer
can be named; the tests turn them into mutant submissions that must lose points in
their part (and only there).
"""

import numpy as np


def _axes(x):
    return tuple(range(x.ndim - 1))


def _normalise(x, mean, var, gamma, beta, epsilon):
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta


def _moving(moving, stat, momentum):
    return momentum * moving + (1 - momentum) * stat


# -- batchnorm_train -----------------------------------------------------------------------
def batchnorm_unbiased_variance(x, gamma, beta, moving_mean, moving_variance,
                                momentum=0.99, epsilon=1e-3):
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x), ddof=1)
    return (_normalise(x, mean, var, gamma, beta, epsilon), _moving(moving_mean, mean, momentum),
            _moving(moving_variance, var, momentum))


def batchnorm_moving_uses_unbiased_variance(x, gamma, beta, moving_mean, moving_variance,
                                            momentum=0.99, epsilon=1e-3):
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    n = x.size // x.shape[-1]
    unbiased = var * n / (n - 1) if n > 1 else var * np.nan
    return (_normalise(x, mean, var, gamma, beta, epsilon), _moving(moving_mean, mean, momentum),
            _moving(moving_variance, unbiased, momentum))


def batchnorm_eps_outside_sqrt(x, gamma, beta, moving_mean, moving_variance,
                               momentum=0.99, epsilon=1e-3):
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    y = (x - mean) / (np.sqrt(var) + epsilon) * gamma + beta
    return y, _moving(moving_mean, mean, momentum), _moving(moving_variance, var, momentum)


def batchnorm_momentum_swapped(x, gamma, beta, moving_mean, moving_variance,
                               momentum=0.99, epsilon=1e-3):
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    return (_normalise(x, mean, var, gamma, beta, epsilon),
            (1 - momentum) * moving_mean + momentum * mean,
            (1 - momentum) * moving_variance + momentum * var)


def batchnorm_stats_over_wrong_axis(x, gamma, beta, moving_mean, moving_variance,
                                    momentum=0.99, epsilon=1e-3):
    # Reduces over the batch axis only: right for (N, D), per pixel for (N, H, W, D).
    mean = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    return (_normalise(x, mean, var, gamma, beta, epsilon), _moving(moving_mean, mean, momentum),
            _moving(moving_variance, var, momentum))


def batchnorm_stats_over_features(x, gamma, beta, moving_mean, moving_variance,
                                  momentum=0.99, epsilon=1e-3):
    # Normalises each example over its features (that is layer normalisation).
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    return (_normalise(x, mean, var, gamma, beta, epsilon), _moving(moving_mean, mean, momentum),
            _moving(moving_variance, var, momentum))


def batchnorm_train_uses_moving_stats(x, gamma, beta, moving_mean, moving_variance,
                                      momentum=0.99, epsilon=1e-3):
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    return (_normalise(x, moving_mean, moving_variance, gamma, beta, epsilon),
            _moving(moving_mean, mean, momentum), _moving(moving_variance, var, momentum))


def batchnorm_train_no_gamma_beta(x, gamma, beta, moving_mean, moving_variance,
                                  momentum=0.99, epsilon=1e-3):
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    return ((x - mean) / np.sqrt(var + epsilon), _moving(moving_mean, mean, momentum),
            _moving(moving_variance, var, momentum))


def batchnorm_train_no_beta(x, gamma, beta, moving_mean, moving_variance,
                            momentum=0.99, epsilon=1e-3):
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    return ((x - mean) / np.sqrt(var + epsilon) * gamma, _moving(moving_mean, mean, momentum),
            _moving(moving_variance, var, momentum))


def batchnorm_train_no_gamma(x, gamma, beta, moving_mean, moving_variance,
                             momentum=0.99, epsilon=1e-3):
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    return ((x - mean) / np.sqrt(var + epsilon) + beta, _moving(moving_mean, mean, momentum),
            _moving(moving_variance, var, momentum))


def batchnorm_moving_variance_is_std(x, gamma, beta, moving_mean, moving_variance,
                                     momentum=0.99, epsilon=1e-3):
    # The moving variance averages the standard deviation sqrt(var + epsilon).
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    return (_normalise(x, mean, var, gamma, beta, epsilon), _moving(moving_mean, mean, momentum),
            _moving(moving_variance, np.sqrt(var + epsilon), momentum))


def batchnorm_moving_variance_is_std_no_eps(x, gamma, beta, moving_mean, moving_variance,
                                            momentum=0.99, epsilon=1e-3):
    # The same mistake written with np.std: the moving variance averages sqrt(var).
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    return (_normalise(x, mean, var, gamma, beta, epsilon), _moving(moving_mean, mean, momentum),
            _moving(moving_variance, np.std(x, axis=_axes(x)), momentum))


def batchnorm_uncentred_variance(x, gamma, beta, moving_mean, moving_variance,
                                 momentum=0.99, epsilon=1e-3):
    # The "variance" is the mean of x**2, not of (x - mean)**2.
    mean = np.mean(x, axis=_axes(x))
    var = np.mean(x ** 2, axis=_axes(x))
    return (_normalise(x, mean, var, gamma, beta, epsilon), _moving(moving_mean, mean, momentum),
            _moving(moving_variance, var, momentum))


# -- batchnorm_inference -------------------------------------------------------------------
def batchnorm_inference_uses_batch_stats(x, gamma, beta, moving_mean, moving_variance,
                                         epsilon=1e-3):
    return _normalise(x, np.mean(x, axis=_axes(x)), np.var(x, axis=_axes(x)), gamma, beta, epsilon)


def batchnorm_inference_eps_outside_sqrt(x, gamma, beta, moving_mean, moving_variance,
                                         epsilon=1e-3):
    return (x - moving_mean) / (np.sqrt(moving_variance) + epsilon) * gamma + beta


def batchnorm_inference_no_sqrt(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    return (x - moving_mean) / (moving_variance + epsilon) * gamma + beta


def batchnorm_inference_no_gamma_beta(x, gamma, beta, moving_mean, moving_variance,
                                      epsilon=1e-3):
    return (x - moving_mean) / np.sqrt(moving_variance + epsilon)


def batchnorm_inference_no_beta(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    return (x - moving_mean) / np.sqrt(moving_variance + epsilon) * gamma


def batchnorm_inference_no_gamma(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    return (x - moving_mean) / np.sqrt(moving_variance + epsilon) + beta


def batchnorm_inference_swapped_gamma_beta(x, gamma, beta, moving_mean, moving_variance,
                                           epsilon=1e-3):
    return _normalise(x, moving_mean, moving_variance, beta, gamma, epsilon)


MISTAKES = {
    "batchnorm_train": [batchnorm_unbiased_variance, batchnorm_moving_uses_unbiased_variance,
                        batchnorm_eps_outside_sqrt, batchnorm_momentum_swapped,
                        batchnorm_stats_over_wrong_axis, batchnorm_stats_over_features,
                        batchnorm_train_uses_moving_stats, batchnorm_train_no_gamma_beta,
                        batchnorm_moving_variance_is_std, batchnorm_moving_variance_is_std_no_eps,
                        batchnorm_uncentred_variance, batchnorm_train_no_beta,
                        batchnorm_train_no_gamma],
    "batchnorm_inference": [batchnorm_inference_uses_batch_stats,
                            batchnorm_inference_eps_outside_sqrt, batchnorm_inference_no_sqrt,
                            batchnorm_inference_no_gamma_beta,
                            batchnorm_inference_swapped_gamma_beta,
                            batchnorm_inference_no_beta, batchnorm_inference_no_gamma],
}


# -- ignored arguments: named by the generic probe (grader/diagnosis.py), not recorded -------
def batchnorm_train_eps_hardcoded(x, gamma, beta, moving_mean, moving_variance,
                                  momentum=0.99, epsilon=1e-3):
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    return (_normalise(x, mean, var, gamma, beta, 1e-6), _moving(moving_mean, mean, momentum),
            _moving(moving_variance, var, momentum))


def batchnorm_train_momentum_hardcoded(x, gamma, beta, moving_mean, moving_variance,
                                       momentum=0.99, epsilon=1e-3):
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    return (_normalise(x, mean, var, gamma, beta, epsilon), _moving(moving_mean, mean, 0.9),
            _moving(moving_variance, var, 0.9))


def batchnorm_inference_eps_hardcoded(x, gamma, beta, moving_mean, moving_variance,
                                      epsilon=1e-3):
    return _normalise(x, moving_mean, moving_variance, gamma, beta, 1e-7)


#: {part: {mutant: the diagnosis id it must get}}
IGNORES = {
    "batchnorm_train": {batchnorm_train_eps_hardcoded: "ignores:epsilon",
                        batchnorm_train_momentum_hardcoded: "ignores:momentum"},
    "batchnorm_inference": {batchnorm_inference_eps_hardcoded: "ignores:epsilon"},
}


# -- trivial mutants: each must score 0 in its part -----------------------------------------
def trivial_train_returns_inputs(x, gamma, beta, moving_mean, moving_variance,
                                 momentum=0.99, epsilon=1e-3):
    return x, moving_mean, moving_variance


def trivial_train_zeros(x, gamma, beta, moving_mean, moving_variance,
                        momentum=0.99, epsilon=1e-3):
    return np.zeros_like(x), np.zeros_like(moving_mean), np.zeros_like(moving_variance)


def trivial_train_old_moving_stats(x, gamma, beta, moving_mean, moving_variance,
                                   momentum=0.99, epsilon=1e-3):
    mean = np.mean(x, axis=_axes(x))
    var = np.var(x, axis=_axes(x))
    return _normalise(x, mean, var, gamma, beta, epsilon), moving_mean, moving_variance


def trivial_inference_returns_x(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    return x


def trivial_inference_zeros(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    return np.zeros_like(x)


def trivial_inference_beta(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    return np.broadcast_to(beta, x.shape).copy()


def trivial_inference_x_times_zero_plus_beta(x, gamma, beta, moving_mean, moving_variance,
                                             epsilon=1e-3):
    return x * 0 + beta


TRIVIAL = {
    "batchnorm_train": [trivial_train_returns_inputs, trivial_train_zeros,
                        trivial_train_old_moving_stats],
    "batchnorm_inference": [trivial_inference_returns_x, trivial_inference_zeros,
                            trivial_inference_beta, trivial_inference_x_times_zero_plus_beta],
}
