# HW3 - batch norm with loops over features and samples
import math
import numpy as np


def _stats(x):
    """per-feature mean and (biased) variance; features on the last axis"""
    flat = x.reshape(-1, x.shape[-1])
    n, c = flat.shape
    means = np.zeros(c)
    variances = np.zeros(c)
    for j in range(c):
        s = 0.0
        for i in range(n):
            s += float(flat[i, j])
        mu = s / n
        sq = 0.0
        for i in range(n):
            d = float(flat[i, j]) - mu
            sq += d * d
        means[j] = mu
        variances[j] = sq / n
    return means, variances


def _normalize(x, gamma, beta, mean, var, epsilon):
    out = np.empty_like(x)
    flat_in = x.reshape(-1, x.shape[-1])
    flat_out = out.reshape(-1, x.shape[-1])
    for j in range(x.shape[-1]):
        inv = 1.0 / math.sqrt(float(var[j]) + epsilon)
        for i in range(flat_in.shape[0]):
            flat_out[i, j] = float(gamma[j]) * (float(flat_in[i, j]) - float(mean[j])) * inv + float(beta[j])
    return out


def batchnorm_train(x, gamma, beta, moving_mean, moving_variance,
                    momentum=0.99, epsilon=1e-3):
    mean, var = _stats(x)
    y = _normalize(x, gamma, beta, mean, var, epsilon)
    new_mean = np.empty_like(moving_mean)
    new_var = np.empty_like(moving_variance)
    for j in range(len(moving_mean)):
        new_mean[j] = momentum * float(moving_mean[j]) + (1 - momentum) * mean[j]
        new_var[j] = momentum * float(moving_variance[j]) + (1 - momentum) * var[j]
    return y, new_mean, new_var


def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    return _normalize(x, gamma, beta, moving_mean, moving_variance, epsilon)
