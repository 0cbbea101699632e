# Generated from solutions/training/optimizers.py by `grader stubs`: fill in every `raise NotImplementedError`.
"""Optimizers: one update step of each Keras optimizer, in numpy.

옵티마이저: Keras 옵티마이저의 한 스텝을 numpy로 구현합니다.
(Optimizers: one step of each Keras optimizer, implemented with numpy.)

Every function takes one parameter array, its gradient and the optimizer's state
arrays (same shape as the parameter), and returns NEW arrays: the updated parameter
followed by the updated state. Hyper-parameter names and defaults are Keras 3's.
Shapes: ``param``, ``grad`` and every state array share one shape, anything from a
scalar ``()`` to ``(d1, d2, d3)``; results have that shape too. Work in the
parameter's dtype (float32 or float64).
"""

import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    """One step of ``keras.optimizers.SGD(learning_rate, momentum, nesterov=False)``.

    Equations (Keras stores the learning rate inside the velocity)::

        velocity = momentum * velocity - learning_rate * grad
        param    = param + velocity

    Args:
        param: parameter array, shape S.
        grad: gradient of the loss w.r.t. ``param``, shape S.
        velocity: the previous velocity, shape S (zeros before the first step).
        learning_rate: step size (Keras default 0.01).
        momentum: float in [0, 1] (Keras default 0.0: plain SGD).

    Returns:
        ``(new_param, new_velocity)``, both of shape S.
    """
    raise NotImplementedError("sgd_momentum_step: your code here")


def nesterov_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    """One step of ``keras.optimizers.SGD(learning_rate, momentum, nesterov=True)``.

    Nesterov momentum looks ahead along the new velocity (Keras's form)::

        velocity = momentum * velocity - learning_rate * grad
        param    = param + momentum * velocity - learning_rate * grad

    Args:
        param, grad, velocity: arrays of shape S (velocity starts at zeros).
        learning_rate: step size (Keras default 0.01).
        momentum: float in [0, 1] (Keras default 0.0).

    Returns:
        ``(new_param, new_velocity)``, both of shape S.
    """
    raise NotImplementedError("nesterov_step: your code here")


def adagrad_step(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    """One step of ``keras.optimizers.Adagrad(learning_rate, epsilon=epsilon)``.

    The accumulator sums the squared gradients of all steps so far; it is updated
    BEFORE it is used, and Keras puts epsilon INSIDE the square root::

        accumulator = accumulator + grad ** 2
        param       = param - learning_rate * grad / sqrt(accumulator + epsilon)

    (The textbook ``sqrt(accumulator) + epsilon`` is accepted too.)

    Args:
        param, grad: arrays of shape S.
        accumulator: shape S; the caller starts it at Keras's
            ``initial_accumulator_value=0.1`` (not 0).
        learning_rate: step size (Keras default 0.001).
        epsilon: small constant (Keras default 1e-7).

    Returns:
        ``(new_param, new_accumulator)``, both of shape S.
    """
    raise NotImplementedError("adagrad_step: your code here")


def rmsprop_step(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    """One step of ``keras.optimizers.RMSprop(learning_rate, rho, momentum=0.0,
    epsilon, centered=False)``.

    A moving average of squared gradients replaces Adagrad's growing sum::

        velocity = rho * velocity + (1 - rho) * grad ** 2
        param    = param - learning_rate * grad / sqrt(velocity + epsilon)

    Epsilon goes INSIDE the square root in Keras (``sqrt(velocity) + epsilon`` is
    accepted too).

    Args:
        param, grad: arrays of shape S.
        velocity: moving average of grad**2, shape S (zeros before the first step).
        learning_rate: step size (Keras default 0.001).
        rho: decay of the moving average (Keras default 0.9).
        epsilon: small constant (Keras default 1e-7).

    Returns:
        ``(new_param, new_velocity)``, both of shape S.
    """
    raise NotImplementedError("rmsprop_step: your code here")


def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
              epsilon=1e-7):
    """One step of ``keras.optimizers.Adam(learning_rate, beta_1, beta_2, epsilon)``.

    ``t`` is the 1-based number of this step (t = 1 on the first step). Keras folds
    the bias correction into the step size and adds epsilon to sqrt(v) where v is NOT
    bias-corrected::

        m     = m + (1 - beta_1) * (grad - m)          # = beta_1*m + (1-beta_1)*grad
        v     = v + (1 - beta_2) * (grad ** 2 - v)
        alpha = learning_rate * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        param = param - alpha * m / (sqrt(v) + epsilon)

    The textbook form ``param - learning_rate * m_hat / (sqrt(v_hat) + epsilon)`` with
    ``m_hat = m / (1 - beta_1**t)``, ``v_hat = v / (1 - beta_2**t)`` is accepted too;
    it differs from Keras only in where epsilon sits.

    Args:
        param, grad: arrays of shape S.
        m, v: first and second moment estimates, shape S (zeros before step 1).
        t: int >= 1, the number of this step.
        learning_rate, beta_1, beta_2, epsilon: Keras defaults 0.001, 0.9, 0.999, 1e-7.

    Returns:
        ``(new_param, new_m, new_v)``, each of shape S.
    """
    raise NotImplementedError("adam_step: your code here")


def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
               beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """One step of ``keras.optimizers.AdamW(learning_rate, weight_decay, beta_1,
    beta_2, epsilon)``.

    Decoupled weight decay: FIRST shrink the parameter itself (the decay is
    multiplied by the learning rate), THEN take the ordinary Adam step with the
    unchanged gradient (the decay never enters m or v)::

        param = param - learning_rate * weight_decay * param
        param, m, v = adam_step(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)

    This is not L2 regularisation: adding ``weight_decay * param`` to the gradient
    would be divided by sqrt(v) like the rest of the gradient.

    Args:
        param, grad, m, v: arrays of shape S (m, v start at zeros).
        t: int >= 1, the number of this step.
        weight_decay: Keras AdamW default 0.004; others as in ``adam_step``.

    Returns:
        ``(new_param, new_m, new_v)``, each of shape S.
    """
    raise NotImplementedError("adamw_step: your code here")
