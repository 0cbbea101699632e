# HW3 - optimizers, written with plain Python loops (one element at a time)
import math
import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    new_param = np.empty_like(param)
    new_velocity = np.empty_like(velocity)
    for i in np.ndindex(param.shape):
        v = momentum * float(velocity[i]) - learning_rate * float(grad[i])
        new_velocity[i] = v
        new_param[i] = float(param[i]) + v
    return new_param, new_velocity


def nesterov_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    new_param = np.empty_like(param)
    new_velocity = np.empty_like(velocity)
    for i in np.ndindex(param.shape):
        g = float(grad[i])
        v = momentum * float(velocity[i]) - learning_rate * g
        new_velocity[i] = v
        new_param[i] = float(param[i]) + momentum * v - learning_rate * g
    return new_param, new_velocity


def adagrad_step(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    new_param = np.empty_like(param)
    new_acc = np.empty_like(accumulator)
    for i in np.ndindex(param.shape):
        g = float(grad[i])
        a = float(accumulator[i]) + g * g
        new_acc[i] = a
        new_param[i] = float(param[i]) - learning_rate * g / math.sqrt(a + epsilon)
    return new_param, new_acc


def rmsprop_step(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    new_param = np.empty_like(param)
    new_velocity = np.empty_like(velocity)
    for i in np.ndindex(param.shape):
        g = float(grad[i])
        v = rho * float(velocity[i]) + (1 - rho) * g * g
        new_velocity[i] = v
        new_param[i] = float(param[i]) - learning_rate * g / math.sqrt(v + epsilon)
    return new_param, new_velocity


def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
              epsilon=1e-7):
    new_param = np.empty_like(param)
    new_m = np.empty_like(m)
    new_v = np.empty_like(v)
    lr_t = learning_rate * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    for i in np.ndindex(param.shape):
        g = float(grad[i])
        mi = beta_1 * float(m[i]) + (1 - beta_1) * g
        vi = beta_2 * float(v[i]) + (1 - beta_2) * g * g
        new_m[i] = mi
        new_v[i] = vi
        new_param[i] = float(param[i]) - lr_t * mi / (math.sqrt(vi) + epsilon)
    return new_param, new_m, new_v


def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
               beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    decayed = np.empty_like(param)
    for i in np.ndindex(param.shape):
        w = float(param[i])
        decayed[i] = w - w * weight_decay * learning_rate
    return adam_step(decayed, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
