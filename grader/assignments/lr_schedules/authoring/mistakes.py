"""Known student mistakes of the lr_schedules assignment (instructor-only: never shipped).

Each mistake is a numpy implementation with the student's interface (a schedule
function with the part's signature, or a ``ReduceLROnPlateau`` class) that makes
exactly one realistic mistake, named by its id, with a hint in English and in Korean
(what is wrong and what Keras does) and the ``exposing`` inputs on which it differs
from Keras:

* a schedule input is the student's call as keyword arguments,
  ``{"step": 6, "initial_learning_rate": 0.1, ...}``; the outcome is the returned
  rate, or the exception type when the call raises;
* a ``reduce_lr_on_plateau`` input is a ``drivers.plateau_script`` payload; the
  outcome is the driver's result (per training, per epoch: lr, wait,
  cooldown_counter, best; or the ValueError raised).

``TRIVIAL`` holds the do-nothing mutants (each must score 0 in its part).
``tests/test_lr_schedules_reference.py`` checks that every mistake differs from the
reference solutions on each of its exposing inputs, that the mistakes of a part tell
apart from one another on the part's exposing inputs, and (``tf``) that Keras agrees
with the reference solutions there.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Mistake:
    id: str
    part: str
    impl: object            # a function (schedule parts) or a class (reduce_lr_on_plateau)
    hint: str
    hint_ko: str
    exposing: tuple = ()    # inputs on which it differs from Keras (see the module docstring)


# -- schedules: what a student writes in float64, with one mistake each ------------------------

def _exp(step, initial_learning_rate, decay_steps, decay_rate, staircase=False, *,
         floor=math.floor, staircase_on=None, form="keras", step_shift=0):
    if decay_steps <= 0:
        raise ValueError(f"decay_steps must be > 0, got {decay_steps}")
    p = (step + step_shift) / decay_steps
    if staircase if staircase_on is None else staircase_on:
        p = floor(p)
    if form == "natural":
        return initial_learning_rate * math.exp(-decay_rate * p)
    return initial_learning_rate * decay_rate ** p


def exponential_decay_staircase_round(step, initial_learning_rate, decay_steps, decay_rate,
                                      staircase=False):
    return _exp(step, initial_learning_rate, decay_steps, decay_rate, staircase, floor=round)


def exponential_decay_ignores_staircase(step, initial_learning_rate, decay_steps, decay_rate,
                                        staircase=False):
    return _exp(step, initial_learning_rate, decay_steps, decay_rate, staircase,
                staircase_on=False)


def exponential_decay_always_staircase(step, initial_learning_rate, decay_steps, decay_rate,
                                       staircase=False):
    return _exp(step, initial_learning_rate, decay_steps, decay_rate, staircase,
                staircase_on=True)


def exponential_decay_natural_exp(step, initial_learning_rate, decay_steps, decay_rate,
                                  staircase=False):
    return _exp(step, initial_learning_rate, decay_steps, decay_rate, staircase, form="natural")


def exponential_decay_step_plus_one(step, initial_learning_rate, decay_steps, decay_rate,
                                    staircase=False):
    return _exp(step, initial_learning_rate, decay_steps, decay_rate, staircase, step_shift=1)


def _piecewise(step, boundaries, values, *, inclusive=True, last=-1, check="keras"):
    if check == "keras" and len(boundaries) != len(values) - 1:
        raise ValueError("len(values) must be len(boundaries) + 1")
    if check == "equal" and len(boundaries) != len(values):
        raise ValueError("len(values) must be len(boundaries)")
    for b, v in zip(boundaries, values):
        if (step <= b) if inclusive else (step < b):
            return v
    return values[last]


def piecewise_boundary_exclusive(step, boundaries, values):
    return _piecewise(step, boundaries, values, inclusive=False)


def piecewise_last_value_missing(step, boundaries, values):
    return _piecewise(step, boundaries, values, last=len(boundaries) - 1)


def piecewise_no_length_check(step, boundaries, values):
    return _piecewise(step, boundaries, values, check=None)


def piecewise_lengths_must_match(step, boundaries, values):
    return _piecewise(step, boundaries, values, check="equal")


def _inverse(step, initial_learning_rate, decay_steps, decay_rate, staircase=False, *,
             floor=math.floor, staircase_on=None, form="keras"):
    if decay_steps <= 0:
        raise ValueError(f"decay_steps must be > 0, got {decay_steps}")
    t = step if form == "no_decay_steps" else step / decay_steps
    if staircase if staircase_on is None else staircase_on:
        t = floor(t)
    if form == "power":
        return initial_learning_rate / (1 + decay_rate) ** t
    return initial_learning_rate / (1 + decay_rate * t)


def inverse_time_decay_ignores_staircase(step, initial_learning_rate, decay_steps, decay_rate,
                                         staircase=False):
    return _inverse(step, initial_learning_rate, decay_steps, decay_rate, staircase,
                    staircase_on=False)


def inverse_time_decay_staircase_round(step, initial_learning_rate, decay_steps, decay_rate,
                                       staircase=False):
    return _inverse(step, initial_learning_rate, decay_steps, decay_rate, staircase, floor=round)


def inverse_time_decay_power_form(step, initial_learning_rate, decay_steps, decay_rate,
                                  staircase=False):
    return _inverse(step, initial_learning_rate, decay_steps, decay_rate, staircase, form="power")


def inverse_time_decay_ignores_decay_steps(step, initial_learning_rate, decay_steps, decay_rate,
                                           staircase=False):
    return _inverse(step, initial_learning_rate, decay_steps, decay_rate, staircase,
                    form="no_decay_steps")


def _cosine(step, initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None,
            warmup_steps=0, *, clip=True, alpha_absolute=False, ramp_from=None,
            zero_warmup_ignores_target=False, decay_includes_warmup=False,
            shift_without_target=False, ramp_shift=0):
    if decay_steps <= 0:
        raise ValueError(f"decay_steps must be > 0, got {decay_steps}")

    def decay(s, start, length):
        if clip:
            s = min(s, length)
        cosine = 0.5 * (1 + math.cos(math.pi * s / length))
        if alpha_absolute:
            return (start - alpha) * cosine + alpha
        return start * ((1 - alpha) * cosine + alpha)

    if warmup_target is None or (zero_warmup_ignores_target and warmup_steps == 0):
        shift = warmup_steps if shift_without_target else 0
        return decay(max(step - shift, 0), initial_learning_rate, decay_steps)
    length = decay_steps - warmup_steps if decay_includes_warmup else decay_steps
    s = min(step, warmup_steps + length) if clip else step
    if s < warmup_steps:
        start = initial_learning_rate if ramp_from is None else ramp_from
        return start + (warmup_target - start) * (s + ramp_shift) / warmup_steps
    return decay(s - warmup_steps, warmup_target, length)


def cosine_decay_no_clip(step, initial_learning_rate, decay_steps, alpha=0.0,
                         warmup_target=None, warmup_steps=0):
    return _cosine(step, initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps,
                   clip=False)


def cosine_decay_alpha_absolute(step, initial_learning_rate, decay_steps, alpha=0.0,
                                warmup_target=None, warmup_steps=0):
    return _cosine(step, initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps,
                   alpha_absolute=True)


def cosine_warmup_from_zero(step, initial_learning_rate, decay_steps, alpha=0.0,
                            warmup_target=None, warmup_steps=0):
    return _cosine(step, initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps,
                   ramp_from=0.0)


def cosine_warmup_zero_steps_ignores_target(step, initial_learning_rate, decay_steps, alpha=0.0,
                                            warmup_target=None, warmup_steps=0):
    return _cosine(step, initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps,
                   zero_warmup_ignores_target=True)


def cosine_warmup_inside_decay_steps(step, initial_learning_rate, decay_steps, alpha=0.0,
                                     warmup_target=None, warmup_steps=0):
    return _cosine(step, initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps,
                   decay_includes_warmup=True)


def cosine_warmup_steps_without_target(step, initial_learning_rate, decay_steps, alpha=0.0,
                                       warmup_target=None, warmup_steps=0):
    return _cosine(step, initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps,
                   shift_without_target=True)


def cosine_warmup_off_by_one(step, initial_learning_rate, decay_steps, alpha=0.0,
                             warmup_target=None, warmup_steps=0):
    return _cosine(step, initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps,
                   ramp_shift=1)


# trivial schedule mutants
def returns_initial_rate(step, initial_learning_rate=None, *args, values=None, **kwargs):
    """The rate at step 0 for every step (piecewise: ``values[0]``)."""
    return float(values[0]) if values is not None else float(initial_learning_rate)


def returns_zero(step, *args, **kwargs):
    return 0.0


# -- ReduceLROnPlateau ------------------------------------------------------------------------

class _Plateau:
    """A correct ReduceLROnPlateau (Keras 3's semantics, float32 comparisons) with hooks
    the mistakes override."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        if mode not in ("auto", "min", "max"):
            mode = "auto"
        self._check_factor(factor)
        self.monitor, self.factor, self.patience, self.mode = monitor, factor, patience, mode
        self.min_delta = self._delta(min_delta)
        self.cooldown, self.min_lr = cooldown, min_lr
        self.direction = None
        self.model = None
        self.best = self._start_best()
        self.wait = 0
        self.cooldown_counter = 0

    # -- hooks ------------------------------------------------------------------------------
    def _check_factor(self, factor):
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")

    def _delta(self, min_delta):
        return abs(min_delta)

    def _start_best(self):
        return None

    def _resolve(self):
        if self.mode in ("min", "max"):
            return self.mode
        name = self.monitor.removeprefix("val_")
        direction = "min" if name == "loss" else None
        for container in getattr(self.model, "metrics", None) or ():
            for metric in getattr(container, "metrics", None) or ():
                if metric.name == name and hasattr(metric, "_direction"):
                    direction = "max" if metric._direction == "up" else "min"
        if direction is None:
            raise ValueError(f"cannot tell whether {self.monitor} should be minimised or "
                             "maximised")
        return direction

    def _improves(self, current, reference):
        if reference is None:
            return True
        if self.direction == "min":
            return np.float32(current + self.min_delta) < np.float32(reference)
        return np.float32(current - self.min_delta) > np.float32(reference)

    def _patience_over(self):
        return self.wait >= self.patience

    def _can_reduce(self, lr):
        return np.float32(lr) > np.float32(self.min_lr)

    def _new_lr(self, lr):
        return max(lr * self.factor, self.min_lr)

    def _after_reduction(self):
        self.cooldown_counter = self.cooldown
        self.wait = 0

    def _missing(self):
        pass

    def _cooldown_tick(self):
        """At the top of a monitored epoch; returns whether the epoch is still in
        cooldown for the counting below (Keras: tested after the decrement)."""
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        return self.cooldown_counter > 0

    def _count(self, in_cooldown):
        """An epoch without improvement."""
        if in_cooldown:
            return
        self.wait += 1
        if self._patience_over():
            lr = float(self.model.optimizer.learning_rate)
            if self._can_reduce(lr):
                self.model.optimizer.learning_rate = self._new_lr(lr)
                self._after_reduction()

    # -- the callback -----------------------------------------------------------------------
    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        self.best = self._start_best()
        self.cooldown_counter = 0
        self.wait = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.direction is None:
            self.direction = self._resolve()
        current = (logs or {}).get(self.monitor)
        if current is None:
            self._missing()
            return
        in_cooldown = self._cooldown_tick()
        if self._improves(current, self.best):
            self.best = current
            self.wait = 0
        else:
            self._count(in_cooldown)

    def on_train_end(self, logs=None):
        pass


class PlateauOffByOnePatience(_Plateau):
    def _patience_over(self):
        return self.wait > self.patience


class PlateauPatienceZeroNeverReduces(_Plateau):
    def _patience_over(self):
        return bool(self.patience) and self.wait >= self.patience


class PlateauNonStrictImprovement(_Plateau):
    def _improves(self, current, reference):
        if reference is None:
            return True
        if self.direction == "min":
            return np.float32(current + self.min_delta) <= np.float32(reference)
        return np.float32(current - self.min_delta) >= np.float32(reference)


class PlateauMinDeltaWrongWay(_Plateau):
    def _improves(self, current, reference):
        if reference is None:
            return True
        if self.direction == "min":
            return np.float32(current - self.min_delta) < np.float32(reference)
        return np.float32(current + self.min_delta) > np.float32(reference)


class PlateauMinDeltaSignKept(_Plateau):
    def _delta(self, min_delta):
        return min_delta


class PlateauCompareInFloat64(_Plateau):
    def _improves(self, current, reference):
        if reference is None:
            return True
        if self.direction == "min":
            return current + self.min_delta < reference
        return current - self.min_delta > reference


class PlateauCooldownDoesNotResetWait(_Plateau):
    """During cooldown, epochs without improvement still count in ``wait`` (no reset, no
    reduction until the cooldown is over)."""

    def _cooldown_tick(self):
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
        return self.cooldown_counter > 0

    def _count(self, in_cooldown):
        if in_cooldown:
            self.wait += 1
            return
        super()._count(False)


class PlateauCooldownCheckedBeforeDecrement(_Plateau):
    """The epoch whose decrement ends the cooldown still counts as in cooldown."""

    def _cooldown_tick(self):
        was = self.cooldown_counter > 0
        super()._cooldown_tick()
        return was


class PlateauIgnoresCooldown(_Plateau):
    def _after_reduction(self):
        self.wait = 0


class PlateauWaitNotResetAfterReduction(_Plateau):
    def _after_reduction(self):
        self.cooldown_counter = self.cooldown


class PlateauIgnoresMinLr(_Plateau):
    """No lower bound at all: no ``lr > min_lr`` test, no ``max(..., min_lr)``."""

    def _can_reduce(self, lr):
        return True

    def _new_lr(self, lr):
        return lr * self.factor


class PlateauReducesBelowMinLr(_Plateau):
    """Tests ``lr > min_lr`` but sets ``lr * factor`` without ``max(..., min_lr)``."""

    def _new_lr(self, lr):
        return lr * self.factor


class PlateauReducesAtMinLr(_Plateau):
    """``max(lr * factor, min_lr)`` without the ``lr > min_lr`` test: at min_lr it keeps
    'reducing' (the rate stays, but wait is reset and the cooldown restarts)."""

    def _can_reduce(self, lr):
        return True


class PlateauMinLrComparedInFloat64(_Plateau):
    """``lr > min_lr`` in double precision, while the optimizer holds float32."""

    def _can_reduce(self, lr):
        return float(lr) > float(self.min_lr)


class PlateauNoResetOnTrainBegin(_Plateau):
    def on_train_begin(self, logs=None):
        pass


class PlateauMissingCountsAsWait(_Plateau):
    def on_epoch_end(self, epoch, logs=None):
        if self.direction is None:
            self.direction = self._resolve()
        if (logs or {}).get(self.monitor) is None:
            self._count(self._cooldown_tick())
            return
        super().on_epoch_end(epoch, logs)


class PlateauBestStartsAtInfinity(_Plateau):
    def _start_best(self):
        return float("inf") if self.mode != "max" else -float("inf")


class PlateauAccuracyMinimised(_Plateau):
    """mode='auto' minimises every monitored quantity."""

    def _resolve(self):
        return self.mode if self.mode in ("min", "max") else "min"


class PlateauAutoModeByName(_Plateau):
    """tf.keras 2.x's rule: mode='auto' maximises a name containing "acc", minimises
    everything else, and never raises."""

    def _resolve(self):
        if self.mode in ("min", "max"):
            return self.mode
        return "max" if "acc" in self.monitor else "min"


class PlateauNoFactorCheck(_Plateau):
    def _check_factor(self, factor):
        pass


class PlateauNeverReduces:
    """Does nothing: the state keeps its initial values, the rate never changes."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        self.wait, self.cooldown_counter, self.best = 0, 0, None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class PlateauAlwaysReduces(PlateauNeverReduces):
    """Multiplies the rate by ``factor`` at every epoch, whatever the logs say."""

    def __init__(self, monitor="val_loss", factor=0.1, **kwargs):
        super().__init__()
        self.factor = factor

    def on_epoch_end(self, epoch, logs=None):
        opt = self.model.optimizer
        opt.learning_rate = opt.learning_rate * self.factor


# -- exposing inputs ----------------------------------------------------------------------------

def _run(values, monitor="val_loss", lr=0.1, metrics=None, trainings=None, **init):
    """A plateau payload: one training whose monitored values are ``values`` (None =
    missing), the rest of ``init`` as the constructor's arguments."""
    if trainings is None:
        trainings = [values]
    payload = {"init": {"monitor": monitor, **init}, "initial_lr": lr,
               "trainings": [[{monitor: v} for v in t] for t in trainings]}
    if metrics:
        payload["metrics"] = metrics
    return payload


FLAT = [1.0] * 8                      # never improves after epoch 0
ACC = [{"name": "accuracy", "direction": "up"}]
EXP = {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}
PW = {"boundaries": [10, 20], "values": [1.0, 0.5, 0.1]}
INV = {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 1.0}
WARM = {"initial_learning_rate": 0.01, "decay_steps": 100, "warmup_target": 0.1,
        "warmup_steps": 10}

_H = {}   # id -> (hint, hint_ko, exposing)


def _m(id, hint, hint_ko, *exposing):
    _H[id] = (hint, hint_ko, tuple(exposing))


_m("exponential_decay_staircase_round",
   "With staircase=True Keras FLOORS step / decay_steps (floor(p)): the rate changes only "
   "when a whole decay_steps has passed. You rounded it, so the rate drops half a period early.",
   "staircase=True 일 때 Keras는 step / decay_steps 를 내림(floor)합니다. decay_steps 가 "
   "다 지나야 학습률이 바뀝니다. 반올림(round)을 써서 반 주기 일찍 떨어집니다.",
   {"step": 6, **EXP, "staircase": True}, {"step": 16, **EXP, "staircase": True})
_m("exponential_decay_ignores_staircase",
   "staircase=True must floor the exponent: lr = initial * decay_rate ** floor(step / "
   "decay_steps), constant between multiples of decay_steps. You always used the smooth curve.",
   "staircase=True 이면 지수를 내림해야 합니다: initial * decay_rate ** floor(step / "
   "decay_steps). decay_steps 배수 사이에서는 값이 일정합니다. 항상 매끄러운 곡선을 썼습니다.",
   {"step": 5, **EXP, "staircase": True})
_m("exponential_decay_always_staircase",
   "By default (staircase=False) the exponent is the float step / decay_steps, so the rate "
   "decays a little at every step; floor it only when staircase=True.",
   "기본값(staircase=False)에서는 지수가 실수 step / decay_steps 라서 매 스텝 조금씩 줄어듭니다. "
   "내림은 staircase=True 일 때만 합니다.",
   {"step": 5, **EXP})
_m("exponential_decay_natural_exp",
   "Keras's ExponentialDecay is initial * decay_rate ** (step / decay_steps): decay_rate is "
   "the factor per decay_steps, not a rate k in exp(-k * t).",
   "Keras의 ExponentialDecay 는 initial * decay_rate ** (step / decay_steps) 입니다. "
   "decay_rate 는 decay_steps 마다 곱하는 비율이지, exp(-k * t) 의 k 가 아닙니다.",
   {"step": 10, **EXP})
_m("exponential_decay_step_plus_one",
   "Steps are 0-based: at step 0 the rate is exactly initial_learning_rate (decay_rate ** 0). "
   "Use step as given, not step + 1.",
   "스텝은 0부터 셉니다. step 0 의 학습률은 정확히 initial_learning_rate 입니다 "
   "(decay_rate ** 0). step + 1 이 아니라 step 을 그대로 쓰세요.",
   {"step": 0, **EXP})

_m("piecewise_boundary_exclusive",
   "A step equal to a boundary belongs to the interval BEFORE it: values[0] while step <= "
   "boundaries[0] (Keras compares with <=), values[1] only from boundaries[0] + 1.",
   "경계와 같은 스텝은 앞 구간에 속합니다. step <= boundaries[0] 이면 values[0] 이고 "
   "(Keras는 <= 로 비교), values[1] 은 boundaries[0] + 1 부터입니다.",
   {"step": 10, **PW}, {"step": 20, **PW})
_m("piecewise_last_value_missing",
   "After the last boundary the rate is values[-1] (there is one more value than boundaries).",
   "마지막 경계 뒤의 학습률은 values[-1] 입니다 (values 가 boundaries 보다 하나 많습니다).",
   {"step": 21, **PW})
_m("piecewise_no_length_check",
   "Keras raises ValueError when len(values) != len(boundaries) + 1; check the lengths "
   "before using them.",
   "len(values) != len(boundaries) + 1 이면 Keras는 ValueError 를 냅니다. 길이를 먼저 "
   "확인하세요.",
   {"step": 5, "boundaries": [10], "values": [1.0, 0.5, 0.1]},
   {"step": 5, "boundaries": [10, 20], "values": [1.0, 0.5]})
_m("piecewise_lengths_must_match",
   "values has ONE MORE entry than boundaries (n boundaries make n + 1 intervals); "
   "raise ValueError only when len(values) != len(boundaries) + 1.",
   "values 는 boundaries 보다 하나 많습니다 (경계 n 개는 구간 n + 1 개를 만듭니다). "
   "len(values) != len(boundaries) + 1 일 때만 ValueError 를 내세요.",
   {"step": 5, **PW}, {"step": 5, "boundaries": [10], "values": [1.0, 0.5]})

_m("inverse_time_decay_ignores_staircase",
   "staircase=True floors t = step / decay_steps: lr = initial / (1 + decay_rate * "
   "floor(step / decay_steps)), constant between multiples of decay_steps.",
   "staircase=True 이면 t = step / decay_steps 를 내림합니다: initial / (1 + decay_rate * "
   "floor(step / decay_steps)). decay_steps 배수 사이에서는 값이 일정합니다.",
   {"step": 5, **INV, "staircase": True})
_m("inverse_time_decay_staircase_round",
   "With staircase=True Keras FLOORS step / decay_steps; rounding makes the rate drop half "
   "a period early.",
   "staircase=True 일 때 Keras는 step / decay_steps 를 내림(floor)합니다. 반올림하면 반 주기 "
   "일찍 떨어집니다.",
   {"step": 6, **INV, "staircase": True})
_m("inverse_time_decay_power_form",
   "InverseTimeDecay divides by (1 + decay_rate * t), linear in t; (1 + decay_rate) ** t is "
   "an exponential decay.",
   "InverseTimeDecay 는 t 에 대해 선형인 (1 + decay_rate * t) 로 나눕니다. "
   "(1 + decay_rate) ** t 는 지수 감쇠입니다.",
   {"step": 20, **INV})
_m("inverse_time_decay_ignores_decay_steps",
   "t is step / decay_steps, not step: the rate halves (for decay_rate=1) after decay_steps "
   "steps, not after one step.",
   "t 는 step 이 아니라 step / decay_steps 입니다. decay_rate=1 이면 decay_steps 스텝 뒤에 "
   "반이 됩니다 (한 스텝 뒤가 아닙니다).",
   {"step": 10, **INV})

_m("cosine_decay_no_clip",
   "After decay_steps (after warmup_steps + decay_steps with a warmup) the step is clipped: "
   "the rate stays at its minimum alpha * start, it does not rise again along the cosine.",
   "decay_steps 가 지나면 (웜업이 있으면 warmup_steps + decay_steps) 스텝을 그 값에서 멈춥니다. "
   "학습률은 최솟값 alpha * 시작값에 머물고, 코사인을 따라 다시 올라가지 않습니다.",
   {"step": 150, "initial_learning_rate": 0.1, "decay_steps": 100},
   {"step": 250, **WARM})
_m("cosine_decay_alpha_absolute",
   "alpha is a FRACTION of the starting rate: lr = start * ((1 - alpha) * cosine + alpha), "
   "so the final rate is alpha * start, not alpha itself.",
   "alpha 는 시작 학습률에 대한 비율입니다: start * ((1 - alpha) * cosine + alpha). "
   "마지막 학습률은 alpha 자체가 아니라 alpha * start 입니다.",
   {"step": 100, "initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.5})
_m("cosine_warmup_from_zero",
   "The warmup ramps linearly from initial_learning_rate (not from 0) to warmup_target: "
   "lr = (warmup_target - initial) * step / warmup_steps + initial.",
   "웜업은 0 이 아니라 initial_learning_rate 에서 warmup_target 까지 직선으로 올라갑니다: "
   "(warmup_target - initial) * step / warmup_steps + initial.",
   {"step": 5, **WARM}, {"step": 0, **WARM})
_m("cosine_warmup_zero_steps_ignores_target",
   "With a warmup_target the decay always starts from warmup_target, even with "
   "warmup_steps=0 (no ramp): Keras then never uses initial_learning_rate.",
   "warmup_target 이 있으면 warmup_steps=0 이어도 (웜업 구간 없이) 감쇠는 warmup_target 에서 "
   "시작합니다. 이때 Keras는 initial_learning_rate 를 쓰지 않습니다.",
   {"step": 0, "initial_learning_rate": 0.5, "decay_steps": 100, "warmup_target": 0.1,
    "warmup_steps": 0})
_m("cosine_warmup_inside_decay_steps",
   "The decay lasts decay_steps steps AFTER the warmup: it runs from step warmup_steps to "
   "warmup_steps + decay_steps (the warmup is not part of decay_steps).",
   "감쇠는 웜업이 끝난 뒤 decay_steps 스텝 동안 이어집니다: warmup_steps 부터 "
   "warmup_steps + decay_steps 까지 (웜업은 decay_steps 에 포함되지 않습니다).",
   {"step": 60, **WARM}, {"step": 105, **WARM})
_m("cosine_warmup_steps_without_target",
   "Without warmup_target there is no warmup at all: warmup_steps is ignored and the decay "
   "starts at step 0.",
   "warmup_target 이 없으면 웜업이 전혀 없습니다. warmup_steps 는 무시되고 감쇠는 step 0 에서 "
   "시작합니다.",
   {"step": 10, "initial_learning_rate": 0.1, "decay_steps": 100, "warmup_steps": 10})
_m("cosine_warmup_off_by_one",
   "The ramp is initial + (warmup_target - initial) * step / warmup_steps with the 0-based "
   "step: the rate at step 0 is initial_learning_rate, and warmup_target is reached at step "
   "warmup_steps.",
   "웜업 직선은 0부터 세는 step 으로 initial + (warmup_target - initial) * step / warmup_steps "
   "입니다. step 0 에서는 initial_learning_rate 이고, step warmup_steps 에서 warmup_target 에 "
   "닿습니다.",
   {"step": 0, **WARM}, {"step": 5, **WARM})

_m("plateau_off_by_one_patience",
   "Keras increments wait BEFORE testing wait >= patience: with patience=2 the rate drops at "
   "the 2nd epoch in a row without improvement, not the 3rd.",
   "Keras는 wait 를 먼저 1 늘린 뒤 wait >= patience 를 검사합니다. patience=2 이면 개선 없는 "
   "에포크가 두 번째로 이어질 때 학습률을 낮춥니다 (세 번째가 아닙니다).",
   _run(FLAT, factor=0.5, patience=2, min_delta=0))
_m("plateau_patience_zero_never_reduces",
   "patience=0 does not switch the callback off: every epoch without improvement (outside "
   "cooldown) reduces the rate (wait is 1 then, and 1 >= 0).",
   "patience=0 은 콜백을 끄는 것이 아닙니다. (cooldown 밖에서) 개선이 없는 모든 에포크마다 "
   "학습률을 낮춥니다 (그때 wait 는 1 이고 1 >= 0).",
   _run(FLAT[:4], factor=0.5, patience=0, min_delta=0))
_m("plateau_non_strict_improvement",
   "An equal value is not an improvement: Keras compares strictly (current + min_delta < best "
   "in min mode), so a tie counts towards patience.",
   "같은 값은 개선이 아닙니다. Keras는 엄격하게 비교하므로 (min 모드에서 current + min_delta < "
   "best) 같은 값은 patience 로 셉니다.",
   _run(FLAT[:4], factor=0.5, patience=1, min_delta=0))
_m("plateau_min_delta_wrong_way",
   "min_delta makes improving HARDER: in min mode the new value must be below best - "
   "min_delta (current + min_delta < best); in max mode above best + min_delta.",
   "min_delta 는 개선을 더 어렵게 만듭니다. min 모드에서는 새 값이 best - min_delta 보다 작아야 "
   "하고 (current + min_delta < best), max 모드에서는 best + min_delta 보다 커야 합니다.",
   _run([1.0, 0.9375, 0.875, 0.8125], factor=0.5, patience=1, min_delta=0.125))
_m("plateau_min_delta_sign_kept",
   "Keras uses abs(min_delta): min_delta=-0.1 behaves exactly like 0.1, it never makes "
   "improving easier.",
   "Keras는 abs(min_delta) 를 씁니다. min_delta=-0.1 은 0.1 과 똑같이 동작하며 개선을 더 쉽게 "
   "만들지 않습니다.",
   _run([1.0, 1.0625, 1.125], factor=0.5, patience=1, min_delta=-0.125))
_m("plateau_compare_in_float64",
   "Keras compares the monitored values in float32 (both sides are rounded to float32 "
   "first): 0.5 then 0.5 - 1e-9 is NOT an improvement. Compare np.float32(current + "
   "min_delta) < np.float32(best).",
   "Keras는 지켜보는 값을 float32 로 비교합니다 (양쪽을 먼저 float32 로 반올림). 0.5 다음 "
   "0.5 - 1e-9 는 개선이 아닙니다. np.float32(current + min_delta) < np.float32(best) 로 "
   "비교하세요.",
   _run([0.5, 0.5 - 1e-9, 0.5 - 2e-9], factor=0.5, patience=1, min_delta=0))
_m("plateau_cooldown_does_not_reset_wait",
   "During cooldown Keras decrements cooldown_counter and resets wait to 0 at every epoch; "
   "epochs in cooldown do not count towards patience.",
   "cooldown 중에는 매 에포크 cooldown_counter 를 1 줄이고 wait 를 0 으로 되돌립니다. "
   "cooldown 중인 에포크는 patience 로 세지 않습니다.",
   _run(FLAT, factor=0.5, patience=1, cooldown=2, min_delta=0),
   _run(FLAT, factor=0.5, patience=3, cooldown=2, min_delta=0))
_m("plateau_cooldown_checked_before_decrement",
   "Keras decrements cooldown_counter first and THEN asks whether it is still in cooldown: "
   "the epoch whose decrement reaches 0 already counts towards patience.",
   "Keras는 cooldown_counter 를 먼저 줄이고 그 다음에 아직 cooldown 인지 확인합니다. "
   "줄여서 0 이 되는 그 에포크는 이미 patience 로 셉니다.",
   _run(FLAT, factor=0.5, patience=1, cooldown=1, min_delta=0))
_m("plateau_ignores_cooldown",
   "After a reduction set cooldown_counter = cooldown: the next `cooldown` epochs do not "
   "count towards patience.",
   "학습률을 낮춘 뒤 cooldown_counter = cooldown 으로 두세요. 그 뒤 cooldown 에포크 동안은 "
   "patience 로 세지 않습니다.",
   _run(FLAT, factor=0.5, patience=1, cooldown=2, min_delta=0))
_m("plateau_wait_not_reset_after_reduction",
   "After a reduction reset wait to 0: the next reduction needs `patience` new epochs "
   "without improvement.",
   "학습률을 낮춘 뒤 wait 를 0 으로 되돌리세요. 다음 감소에는 개선 없는 에포크가 다시 "
   "patience 번 필요합니다.",
   _run(FLAT, factor=0.5, patience=2, min_delta=0))
_m("plateau_ignores_min_lr",
   "The rate never goes below min_lr: the new rate is max(lr * factor, min_lr), and nothing "
   "is reduced once lr has reached min_lr.",
   "학습률은 min_lr 아래로 내려가지 않습니다. 새 학습률은 max(lr * factor, min_lr) 이고, "
   "min_lr 에 닿으면 더 낮추지 않습니다.",
   _run(FLAT, factor=0.5, patience=1, min_delta=0, min_lr=0.02))
_m("plateau_reduces_below_min_lr",
   "Clip the new rate at min_lr: max(lr * factor, min_lr). Testing lr > min_lr alone lets one "
   "reduction go below min_lr.",
   "새 학습률을 min_lr 로 잘라 주세요: max(lr * factor, min_lr). lr > min_lr 검사만 하면 한 번은 "
   "min_lr 아래로 내려갑니다.",
   _run(FLAT, factor=0.5, patience=1, min_delta=0, min_lr=0.02))
_m("plateau_reduces_at_min_lr",
   "Reduce only while lr > min_lr: once the rate is at min_lr Keras changes nothing (no "
   "cooldown, wait is not reset and keeps growing).",
   "lr > min_lr 일 때만 낮추세요. 학습률이 min_lr 에 닿으면 Keras는 아무것도 바꾸지 않습니다 "
   "(cooldown 없음, wait 는 0 으로 돌아가지 않고 계속 늘어남).",
   _run(FLAT, factor=0.5, patience=1, min_delta=0, min_lr=0.025))
_m("plateau_min_lr_compared_in_float64",
   "The optimizer stores its rate in float32, and Keras compares it with np.float32(min_lr): "
   "with min_lr=0.001 the stored rate 0.0010000000475 is NOT above min_lr. Compare "
   "np.float32(lr) > np.float32(min_lr).",
   "옵티마이저는 학습률을 float32 로 저장하고, Keras는 np.float32(min_lr) 와 비교합니다. "
   "min_lr=0.001 이면 저장된 0.0010000000475 는 min_lr 보다 크지 않습니다. "
   "np.float32(lr) > np.float32(min_lr) 로 비교하세요.",
   _run(FLAT[:5], lr=0.004, factor=0.5, patience=1, min_delta=0, min_lr=0.001))
_m("plateau_no_reset_on_train_begin",
   "Reset wait, cooldown_counter and best in on_train_begin: the same callback object is "
   "reused for a second model.fit, which must start afresh (best = None).",
   "on_train_begin 에서 wait, cooldown_counter, best 를 초기화하세요. 같은 콜백 객체가 두 번째 "
   "model.fit 에 다시 쓰이며, 그때는 처음부터 (best = None) 시작해야 합니다.",
   _run(None, factor=0.5, patience=2, min_delta=0, trainings=[[1.0, 1.0], [2.0, 2.0]]))
_m("plateau_missing_counts_as_wait",
   "An epoch whose logs lack the monitored key changes nothing (Keras only warns); it is "
   "not an epoch without improvement.",
   "로그에 지켜보는 값이 없는 에포크는 아무것도 바꾸지 않습니다 (Keras는 경고만 합니다). "
   "개선 없는 에포크로 세지 않습니다.",
   _run([1.0, None, None, 0.5], factor=0.5, patience=2, min_delta=0))
_m("plateau_best_starts_at_infinity",
   "Keras 3 starts best at None (not inf or -inf); the first monitored epoch always becomes "
   "best, even a NaN, and best is None until a value has been seen.",
   "Keras 3 는 best 를 inf/-inf 가 아니라 None 으로 시작합니다. 처음 관찰한 에포크는 (NaN 이라도) "
   "항상 best 가 되며, 값을 보기 전까지 best 는 None 입니다.",
   _run([None, 1.0], factor=0.5, patience=1, min_delta=0),
   _run([float("nan"), 1.0], factor=0.5, patience=1, min_delta=0))
_m("plateau_accuracy_minimised",
   "mode='auto' maximises a metric whose compiled direction is 'up' (accuracy, auc...) and "
   "minimises losses; you minimised an accuracy.",
   "mode='auto' 는 컴파일된 방향이 'up' 인 지표(accuracy, auc 등)를 최대화하고 손실은 "
   "최소화합니다. accuracy 를 최소화했습니다.",
   _run([0.5, 0.625, 0.75], monitor="val_accuracy", metrics=ACC, factor=0.5, patience=1,
        min_delta=0))
_m("plateau_auto_mode_by_name",
   "Keras 3 resolves mode='auto' from the model's compiled metric of exactly that name "
   "(its _direction: 'up' = maximise), not from an 'acc' substring; a name with no known "
   "direction raises ValueError.",
   "Keras 3 의 mode='auto' 는 이름에 'acc' 가 들어 있는지가 아니라, 정확히 그 이름으로 컴파일된 "
   "지표의 _direction ('up' 이면 최대화)으로 정합니다. 방향을 알 수 없으면 ValueError 입니다.",
   _run([0.5, 0.625, 0.75], monitor="val_auc", metrics=[{"name": "auc", "direction": "up"}],
        factor=0.5, patience=1, min_delta=0),
   _run([0.5, 0.625], monitor="val_my_score", factor=0.5, patience=1, min_delta=0,
        metrics=[{"name": "my_score", "direction": None}]))
_m("plateau_no_factor_check",
   "Keras refuses factor >= 1.0 in the constructor: raise ValueError (a factor of 1 or more "
   "would not reduce the rate).",
   "Keras는 생성자에서 factor >= 1.0 을 거부합니다. ValueError 를 내세요 (1 이상이면 학습률이 "
   "줄지 않습니다).",
   _run([1.0, 1.0], factor=1.0, patience=1))

_m("returns_initial_rate", "The rate must change with step as the schedule says.",
   "학습률은 스케줄이 정한 대로 step 에 따라 바뀌어야 합니다.")
_m("returns_zero", "The rate must change with step as the schedule says.",
   "학습률은 스케줄이 정한 대로 step 에 따라 바뀌어야 합니다.")
_m("plateau_never_reduces", "The callback must follow the monitored value and reduce the rate.",
   "콜백은 지켜보는 값을 따라가며 학습률을 낮춰야 합니다.",
   _run(FLAT[:4], factor=0.5, patience=1, min_delta=0))
_m("plateau_always_reduces", "The callback must follow the monitored value and reduce the rate.",
   "콜백은 지켜보는 값을 따라가며 학습률을 낮춰야 합니다.",
   _run([1.0, 0.5, 0.25], factor=0.5, patience=1, min_delta=0))


def _ids(cls) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def _mistake(part, impl, exposing=None):
    id = impl.__name__ if not isinstance(impl, type) else _ids(impl)
    hint, hint_ko, found = _H[id]
    return Mistake(id=id, part=part, impl=impl, hint=hint, hint_ko=hint_ko,
                   exposing=found if exposing is None else exposing)


_SCHEDULE_MISTAKES = {
    "exponential_decay": (exponential_decay_staircase_round, exponential_decay_ignores_staircase,
                          exponential_decay_always_staircase, exponential_decay_natural_exp,
                          exponential_decay_step_plus_one),
    "piecewise_constant": (piecewise_boundary_exclusive, piecewise_last_value_missing,
                           piecewise_no_length_check, piecewise_lengths_must_match),
    "inverse_time_decay": (inverse_time_decay_ignores_staircase,
                           inverse_time_decay_staircase_round, inverse_time_decay_power_form,
                           inverse_time_decay_ignores_decay_steps),
    "cosine_decay": (cosine_decay_no_clip, cosine_decay_alpha_absolute, cosine_warmup_from_zero,
                     cosine_warmup_zero_steps_ignores_target, cosine_warmup_inside_decay_steps,
                     cosine_warmup_steps_without_target, cosine_warmup_off_by_one),
}
_PLATEAU_MISTAKES = (
    PlateauOffByOnePatience, PlateauPatienceZeroNeverReduces, PlateauNonStrictImprovement,
    PlateauMinDeltaWrongWay, PlateauMinDeltaSignKept, PlateauCompareInFloat64,
    PlateauCooldownDoesNotResetWait, PlateauCooldownCheckedBeforeDecrement,
    PlateauIgnoresCooldown, PlateauWaitNotResetAfterReduction, PlateauIgnoresMinLr,
    PlateauReducesBelowMinLr, PlateauReducesAtMinLr, PlateauMinLrComparedInFloat64,
    PlateauNoResetOnTrainBegin, PlateauMissingCountsAsWait, PlateauBestStartsAtInfinity,
    PlateauAccuracyMinimised, PlateauAutoModeByName, PlateauNoFactorCheck,
)

#: part id -> its known mistakes.
MISTAKES = {
    **{part: tuple(_mistake(part, f) for f in fns) for part, fns in _SCHEDULE_MISTAKES.items()},
    "reduce_lr_on_plateau": tuple(_mistake("reduce_lr_on_plateau", c) for c in _PLATEAU_MISTAKES),
}

#: Exposing inputs of the trivial schedule mutants: any input whose rate is not the
#: initial one (and not 0) shows both.
_TRIVIAL_SCHEDULE_INPUTS = {
    "exponential_decay": ({"step": 10, **EXP},),
    "piecewise_constant": ({"step": 11, **PW},),
    "inverse_time_decay": ({"step": 10, **INV},),
    "cosine_decay": ({"step": 50, "initial_learning_rate": 0.1, "decay_steps": 100},),
}

#: part id -> the trivial mutants (each must score 0 in its part).
TRIVIAL = {
    **{part: (_mistake(part, returns_initial_rate, inputs), _mistake(part, returns_zero, inputs))
       for part, inputs in _TRIVIAL_SCHEDULE_INPUTS.items()},
    "reduce_lr_on_plateau": (_mistake("reduce_lr_on_plateau", PlateauNeverReduces),
                             _mistake("reduce_lr_on_plateau", PlateauAlwaysReduces)),
}


def schedule_outcome(fn, inputs: dict):
    """What a schedule function gives on one input: ``("value", float)`` or
    ``("raised", exception type name)``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ("value", float(fn(**inputs)))
        except Exception as exc:  # noqa: BLE001 - the outcome of a mistake
            return ("raised", type(exc).__name__)
