"""Optimizers that update their arguments in place (like a real optimizer would) and
return them.  param -= ..., state *= ... etc."""
import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    velocity *= momentum
    velocity -= learning_rate * grad
    param += velocity
    return param, velocity


def nesterov_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    velocity *= momentum
    velocity -= learning_rate * grad
    param += momentum * velocity - learning_rate * grad
    return param, velocity


def adagrad_step(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    accumulator += grad * grad
    param -= learning_rate * grad / np.sqrt(accumulator + epsilon)
    return param, accumulator


def rmsprop_step(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    velocity *= rho
    velocity += (1 - rho) * grad ** 2
    param -= learning_rate * grad / np.sqrt(velocity + epsilon)
    return param, velocity


def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
              epsilon=1e-7):
    m += (grad - m) * (1 - beta_1)
    v += (grad ** 2 - v) * (1 - beta_2)
    step = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    param -= step * m / (np.sqrt(v) + epsilon)
    return param, m, v


def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
               beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    param -= param * weight_decay * learning_rate
    return adam_step(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
