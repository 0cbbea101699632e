"""Assignment 3, part 1: optimizers.  I compute everything in float64 and vectorise."""
import numpy as np


def _f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    param, grad, velocity = _f64(param, grad, velocity)
    velocity = momentum * velocity - learning_rate * grad
    return param + velocity, velocity


def nesterov_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    param, grad, velocity = _f64(param, grad, velocity)
    velocity = momentum * velocity - learning_rate * grad
    return param + momentum * velocity - learning_rate * grad, velocity


def adagrad_step(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    param, grad, accumulator = _f64(param, grad, accumulator)
    accumulator = accumulator + grad ** 2
    return param - learning_rate * grad / np.sqrt(accumulator + epsilon), accumulator


def rmsprop_step(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    param, grad, velocity = _f64(param, grad, velocity)
    velocity = rho * velocity + (1.0 - rho) * grad ** 2
    return param - learning_rate * grad / np.sqrt(velocity + epsilon), velocity


def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
              epsilon=1e-7):
    param, grad, m, v = _f64(param, grad, m, v)
    m = beta_1 * m + (1.0 - beta_1) * grad
    v = beta_2 * v + (1.0 - beta_2) * grad ** 2
    # Keras folds the bias correction into the step size and keeps eps next to sqrt(v)
    alpha = learning_rate * np.sqrt(1.0 - beta_2 ** t) / (1.0 - beta_1 ** t)
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v


def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
               beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    param = np.asarray(param, dtype=np.float64)
    param = param - learning_rate * weight_decay * param        # decoupled decay first
    return adam_step(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
