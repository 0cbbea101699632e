
def exponential_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    if decay_steps <= 0:
        raise ValueError("x")
    return initial_learning_rate

def piecewise_constant_decay(step, boundaries, values):
    if len(values) != len(boundaries) + 1:
        raise ValueError("x")
    return values[-1]

def inverse_time_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    if decay_steps <= 0:
        raise ValueError("x")
    return initial_learning_rate

def cosine_decay(step, initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    if decay_steps <= 0:
        raise ValueError("x")
    return initial_learning_rate if warmup_target is None else warmup_target
