"""Step functions: each builds the matching optimizer object from _common and applies it."""
from _common import Adagrad, Adam, Momentum, RMSprop, as_float


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    return Momentum(learning_rate, momentum).update(as_float(param), as_float(grad), as_float(velocity))


def nesterov_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    opt = Momentum(learning_rate, momentum, nesterov=True)
    return opt.update(as_float(param), as_float(grad), as_float(velocity))


def adagrad_step(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    return Adagrad(learning_rate, epsilon).update(as_float(param), as_float(grad), as_float(accumulator))


def rmsprop_step(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    return RMSprop(learning_rate, rho, epsilon).update(as_float(param), as_float(grad), as_float(velocity))


def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
              epsilon=1e-7):
    return Adam(learning_rate, beta_1, beta_2, epsilon).update(param, grad, m, v, t)


def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
               beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    opt = Adam(learning_rate, beta_1, beta_2, epsilon, weight_decay=weight_decay)
    return opt.update(param, grad, m, v, t)
