# Generated from solutions/lr_schedules/schedules.py by `grader stubs`: fill in every `raise NotImplementedError`.
"""Learning-rate schedules: four of Keras's ``optimizers.schedules``, in numpy.

학습률 스케줄: Keras의 ``optimizers.schedules`` 중 네 가지를 numpy로 구현합니다.
각 함수는 스텝 번호 하나를 받아 그 스텝의 학습률을 돌려줍니다.
(Learning-rate schedules: four of Keras's schedules, implemented with numpy. Each
function takes one step number and returns the learning rate at that step.)

A Keras schedule is an object the optimizer calls with its step counter before every
update (``optimizer.iterations``: 0 before the first update, then 1, 2, ...)::

    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5)
    schedule(0)      # 0.1
    schedule(100)    # 0.05

Here each schedule is one function of ``(step, *hyper-parameters)``. ``step`` is a
non-negative Python or numpy integer; the result is one number (a Python float or a
numpy float). Hyper-parameter names and defaults are Keras 3's.

Keras computes in float32: it turns ``initial_learning_rate``, ``step``,
``decay_steps`` and the other rates into float32 tensors first, so its results are
float32 numbers. Your results are compared with float32 tolerances, so computing in
float64 is fine; the float32 form below is what Keras does exactly.
"""

import math

import numpy as np


def exponential_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    """``keras.optimizers.schedules.ExponentialDecay(initial_learning_rate, decay_steps,
    decay_rate, staircase)(step)``.

    지수 감쇠: ``decay_steps`` 스텝마다 학습률에 ``decay_rate`` 를 한 번 곱한 만큼 줄어듭니다.
    ``staircase=True`` 이면 지수를 내림(floor)하여 계단 모양이 됩니다.
    (Exponential decay: every ``decay_steps`` steps the rate is multiplied by
    ``decay_rate`` once; with ``staircase=True`` the exponent is floored, giving stairs.)

    Equations::

        p  = step / decay_steps            # a float division
        p  = floor(p)  if staircase        # 0 for steps 0 .. decay_steps-1, then 1, ...
        lr = initial_learning_rate * decay_rate ** p

    Args:
        step: the optimizer's step, an integer >= 0.
        initial_learning_rate: the rate at step 0 (a float).
        decay_steps: a positive integer (``decay_steps <= 0`` raises ``ValueError``,
            as Keras's constructor does).
        decay_rate: the factor applied per ``decay_steps`` steps (a float).
        staircase: floor the exponent (default False).

    Returns:
        The learning rate at ``step``, a float.
    """
    raise NotImplementedError("exponential_decay: your code here")


def piecewise_constant_decay(step, boundaries, values):
    """``keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)(step)``.

    구간별 상수: 경계(boundaries)로 나뉜 구간마다 정해진 값(values)을 돌려줍니다.
    경계 스텝 자체는 **앞** 구간에 속합니다 (``step <= boundaries[0]`` 이면 ``values[0]``).
    (Piecewise constant: one value per interval between boundaries. A step equal to a
    boundary belongs to the interval BEFORE it.)

    Rule (``boundaries`` strictly increasing, ``len(values) == len(boundaries) + 1``)::

        values[0]    if step <= boundaries[0]
        values[i]    if boundaries[i-1] < step <= boundaries[i]
        values[-1]   if step > boundaries[-1]

    Example: ``boundaries=[100, 110]``, ``values=[1.0, 0.5, 0.1]`` gives 1.0 for steps
    0..100, 0.5 for steps 101..110 and 0.1 from step 111 on.

    Args:
        step: the optimizer's step, an integer >= 0.
        boundaries: a list of integers, strictly increasing.
        values: a list of floats, one more than ``boundaries``
            (otherwise ``ValueError``, as Keras's constructor does).

    Returns:
        The learning rate at ``step``, a float.
    """
    raise NotImplementedError("piecewise_constant_decay: your code here")


def inverse_time_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    """``keras.optimizers.schedules.InverseTimeDecay(initial_learning_rate, decay_steps,
    decay_rate, staircase)(step)``.

    역시간 감쇠: 학습률이 ``1 / (1 + decay_rate * t)`` 꼴로 줄어듭니다 (t = step / decay_steps).
    ``staircase=True`` 이면 t 를 내림(floor)합니다.
    (Inverse time decay: the rate falls like ``1 / (1 + decay_rate * t)`` with
    ``t = step / decay_steps``; with ``staircase=True``, t is floored.)

    Equations::

        t  = step / decay_steps            # a float division
        t  = floor(t)  if staircase
        lr = initial_learning_rate / (1 + decay_rate * t)

    Args:
        step: the optimizer's step, an integer >= 0.
        initial_learning_rate: the rate at step 0 (a float).
        decay_steps: a positive integer (``decay_steps <= 0`` raises ``ValueError``).
        decay_rate: a float.
        staircase: floor ``t`` (default False).

    Returns:
        The learning rate at ``step``, a float.
    """
    raise NotImplementedError("inverse_time_decay: your code here")


def cosine_decay(step, initial_learning_rate, decay_steps, alpha=0.0,
                 warmup_target=None, warmup_steps=0):
    """``keras.optimizers.schedules.CosineDecay(initial_learning_rate, decay_steps, alpha,
    warmup_target=warmup_target, warmup_steps=warmup_steps)(step)``.

    코사인 감쇠: 학습률이 코사인 곡선의 반 주기를 따라 ``decay_steps`` 동안 줄어들고, 그 뒤로는
    최솟값(시작 값의 ``alpha`` 배)에 머뭅니다. ``warmup_target`` 을 주면 먼저 ``warmup_steps``
    동안 ``initial_learning_rate`` 에서 ``warmup_target`` 까지 직선으로 올린 뒤(웜업),
    ``warmup_target`` 에서 코사인 감쇠를 시작합니다.
    (Cosine decay: the rate follows half a cosine period over ``decay_steps`` steps,
    then stays at its minimum, ``alpha`` times the starting rate. With ``warmup_target``,
    it first rises linearly from ``initial_learning_rate`` to ``warmup_target`` over
    ``warmup_steps`` steps (the warmup), then decays from ``warmup_target``.)

    Without warmup (``warmup_target is None``; ``warmup_steps`` is then ignored)::

        s       = min(step, decay_steps)
        cosine  = 0.5 * (1 + cos(pi * s / decay_steps))
        lr      = initial_learning_rate * ((1 - alpha) * cosine + alpha)

    With warmup (``warmup_target`` given)::

        s = min(step, warmup_steps + decay_steps)
        if s < warmup_steps:        # the linear ramp
            lr = (warmup_target - initial_learning_rate) * (s / warmup_steps) + initial_learning_rate
        else:                       # the cosine decay, from warmup_target, over decay_steps
            cosine = 0.5 * (1 + cos(pi * (s - warmup_steps) / decay_steps))
            lr     = warmup_target * ((1 - alpha) * cosine + alpha)

    So ``warmup_steps=0`` with a ``warmup_target`` skips the ramp but still decays from
    ``warmup_target`` (``initial_learning_rate`` is then never used), and step
    ``warmup_steps`` itself is the decay's first step (``lr = warmup_target``).

    Args:
        step: the optimizer's step, an integer >= 0.
        initial_learning_rate: the rate at step 0 (a float).
        decay_steps: a positive integer, the length of the decay
            (``decay_steps <= 0`` raises ``ValueError``).
        alpha: the final rate as a fraction of the rate the decay starts from
            (default 0.0).
        warmup_target: the rate at the end of the warmup, or None (default: no warmup).
        warmup_steps: the length of the warmup, an integer >= 0 (default 0).

    Returns:
        The learning rate at ``step``, a float.
    """
    raise NotImplementedError("cosine_decay: your code here")
