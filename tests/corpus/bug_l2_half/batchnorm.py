"""Batch normalisation using the helpers in _common."""
import numpy as np

from _common import as_float, feature_axes, moving_average


def _normalize(x, mean, var, gamma, beta, epsilon):
    return gamma * ((x - mean) / np.sqrt(var + epsilon)) + beta


def batchnorm_train(x, gamma, beta, moving_mean, moving_variance,
                    momentum=0.99, epsilon=1e-3):
    x = as_float(x)
    mean = x.mean(axis=feature_axes(x))
    var = np.square(x - mean).mean(axis=feature_axes(x))
    return (_normalize(x, mean, var, gamma, beta, epsilon),
            moving_average(moving_mean, mean, momentum),
            moving_average(moving_variance, var, momentum))


def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    return _normalize(as_float(x), moving_mean, moving_variance, gamma, beta, epsilon)
