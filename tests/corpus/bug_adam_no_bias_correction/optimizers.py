"""Optimizers as written in the lecture slides / Goodfellow et al.:
epsilon is added AFTER the square root, and Adam uses the bias-corrected moments."""
import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    new_velocity = momentum * velocity - learning_rate * grad
    return param + new_velocity, new_velocity


def nesterov_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    new_velocity = momentum * velocity - learning_rate * grad
    return param + momentum * new_velocity - learning_rate * grad, new_velocity


def adagrad_step(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    r = accumulator + grad * grad
    return param - learning_rate * grad / (np.sqrt(r) + epsilon), r


def rmsprop_step(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    s = rho * velocity + (1 - rho) * grad * grad
    return param - learning_rate * grad / (np.sqrt(s) + epsilon), s


def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
              epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad * grad
    return param - learning_rate * m / (np.sqrt(v) + epsilon), m, v


def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
               beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    param = param * (1 - learning_rate * weight_decay)
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad * grad
    m_hat = m / (1 - beta_1 ** t)
    v_hat = v / (1 - beta_2 ** t)
    return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v
