"""I only had time for the optimizers (the rest is the unchanged stub)."""
import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    velocity = momentum * velocity - learning_rate * grad
    return param + velocity, velocity


def nesterov_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    velocity = momentum * velocity - learning_rate * grad
    return param + (momentum * velocity - learning_rate * grad), velocity


def adagrad_step(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    accumulator = accumulator + np.square(grad)
    return param - (learning_rate * grad) / np.sqrt(accumulator + epsilon), accumulator


def rmsprop_step(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    velocity = rho * velocity + (1 - rho) * np.square(grad)
    return param - (learning_rate * grad) / np.sqrt(velocity + epsilon), velocity


def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
              epsilon=1e-7):
    m = m + (grad - m) * (1 - beta_1)
    v = v + (np.square(grad) - v) * (1 - beta_2)
    alpha = learning_rate * np.sqrt(1 - np.power(beta_2, t)) / (1 - np.power(beta_1, t))
    return param - (m * alpha) / (np.sqrt(v) + epsilon), m, v


def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
               beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    param = param - param * weight_decay * learning_rate
    return adam_step(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
