"""Batch normalisation; overwrites x and the moving statistics in place."""
import numpy as np


def batchnorm_train(x, gamma, beta, moving_mean, moving_variance,
                    momentum=0.99, epsilon=1e-3):
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes)
    x -= mean
    var = (x * x).mean(axis=axes)
    x /= np.sqrt(var + epsilon)
    x *= gamma
    x += beta
    moving_mean *= momentum
    moving_mean += (1 - momentum) * mean
    moving_variance *= momentum
    moving_variance += (1 - momentum) * var
    return x, moving_mean, moving_variance


def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    x -= moving_mean
    x /= np.sqrt(moving_variance + epsilon)
    x *= gamma
    x += beta
    return x
