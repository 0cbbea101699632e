import numpy as np


def batchnorm_train(x, gamma, beta, moving_mean, moving_variance,
                    momentum=0.99, epsilon=1e-3):
    axes = tuple(range(x.ndim - 1))
    mu = np.mean(x, axis=axes, keepdims=True)
    var = np.mean((x - mu) ** 2, axis=axes, keepdims=True)
    x_hat = (x - mu) / np.sqrt(var + epsilon)
    y = gamma * x_hat + beta
    mu, var = mu.reshape(-1), var.reshape(-1)
    return (y, momentum * moving_mean + (1 - momentum) * mu,
            momentum * moving_variance + (1 - momentum) * var)


def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    axes = tuple(range(x.ndim - 1))
    x_hat = (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes) + epsilon)
    return gamma * x_hat + beta
