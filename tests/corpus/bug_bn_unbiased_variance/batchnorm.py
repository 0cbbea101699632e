"""Assignment 3, part 3: batch normalisation (float64)."""
import numpy as np


def batchnorm_train(x, gamma, beta, moving_mean, moving_variance,
                    momentum=0.99, epsilon=1e-3):
    x = np.asarray(x, dtype=np.float64)
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes)
    var = x.var(axis=axes, ddof=1)              # sample variance
    y = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    new_mean = momentum * np.asarray(moving_mean, np.float64) + (1.0 - momentum) * mean
    new_var = momentum * np.asarray(moving_variance, np.float64) + (1.0 - momentum) * var
    return y, new_mean, new_var


def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    x = np.asarray(x, dtype=np.float64)
    return gamma * (x - moving_mean) / np.sqrt(np.asarray(moving_variance, np.float64) + epsilon) + beta
