"""학습률 스케줄 과제 - 제출물"""
import math
import bisect
import numpy as np

def exponential_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    if decay_steps <= 0:
        raise ValueError("decay_steps must be > 0")
    p = step / decay_steps
    if staircase:
        p = math.floor(p)
    return initial_learning_rate * decay_rate ** p


def piecewise_constant_decay(step, boundaries, values):
    if len(values) != len(boundaries) + 1:
        raise ValueError("len(values) must be len(boundaries) + 1")
    for i, b in enumerate(boundaries):
        if step <= b:
            return values[i]
    return values[-1]


def inverse_time_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    if decay_steps <= 0:
        raise ValueError("decay_steps must be > 0")
    p = step / decay_steps
    if staircase:
        p = math.floor(p)
    return initial_learning_rate / (1 + decay_rate * p)


def cosine_decay(step, initial_learning_rate, decay_steps, alpha=0.0,
                 warmup_target=None, warmup_steps=0):
    if decay_steps <= 0:
        raise ValueError("decay_steps must be > 0")

    def decay(s, lr_from):
        cosine = 0.5 * (1 + math.cos(math.pi * s / decay_steps))
        return lr_from * ((1 - alpha) * cosine + alpha)

    if warmup_target is None:
        return decay(step, initial_learning_rate)
    step = min(step, warmup_steps + decay_steps)
    if step < warmup_steps:
        return initial_learning_rate + (warmup_target - initial_learning_rate) * step / warmup_steps
    return decay(step - warmup_steps, warmup_target)
