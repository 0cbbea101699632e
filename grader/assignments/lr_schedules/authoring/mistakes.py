"""Known student mistakes of the lr_schedules assignment (instructor-only: never shipped).

Each mistake is a numpy implementation with the student's interface (a schedule
function with the part's signature, or a ``ReduceLROnPlateau`` class) that makes
exactly one realistic mistake, named by its id (its hint, in English and Korean, is
declared with the part's checks: ``HINTS`` in ``schedules.py`` and ``plateau.py``), with
the ``exposing`` inputs on which it differs from Keras:

* a schedule input is the student's call as keyword arguments,
  ``{"step": 6, "initial_learning_rate": 0.1, ...}``; the outcome is the returned
  rate, or the exception type when the call raises;
* a ``reduce_lr_on_plateau`` input is a ``drivers.plateau_script`` payload; the
  outcome is the driver's result (per training, per epoch: lr, wait,
  cooldown_counter, best; or the ValueError raised).

``TRIVIAL`` holds the do-nothing mutants (each must score 0 in its part). This source
also works appended to a solution module (a mutant submission: it imports nothing of
the grader and defines no name the solutions use).
``tests/test_lr_schedules_reference.py`` checks that every mistake differs from the
reference solutions on each of its exposing inputs, that the mistakes of a part tell
apart from one another on the part's exposing inputs, and (``tf``) that Keras agrees
with the reference solutions there.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Mistake:
    id: str
    part: str
    impl: object            # a function (schedule parts) or a class (reduce_lr_on_plateau)
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


def inverse_time_decay_always_staircase(step, initial_learning_rate, decay_steps, decay_rate,
                                        staircase=False):
    """``step // decay_steps`` whatever ``staircase`` says."""
    return _inverse(step, initial_learning_rate, decay_steps, decay_rate, staircase,
                    staircase_on=True)


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
            warmup_steps=0, *, clip=True, clip_plain=True, alpha_absolute=False, ramp_from=None,
            zero_warmup_ignores_target=False, decay_includes_warmup=False,
            shift_without_target=False, ramp_shift=0):
    if decay_steps <= 0:
        raise ValueError(f"decay_steps must be > 0, got {decay_steps}")

    def decay(s, start, length, clip=clip):
        if clip:
            s = min(s, length)
        cosine = 0.5 * (1 + math.cos(math.pi * s / length))
        if alpha_absolute:
            return (start - alpha) * cosine + alpha
        return start * ((1 - alpha) * cosine + alpha)

    if warmup_target is None or (zero_warmup_ignores_target and warmup_steps == 0):
        shift = warmup_steps if shift_without_target else 0
        return decay(max(step - shift, 0), initial_learning_rate, decay_steps,
                     clip and clip_plain)
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


def cosine_decay_no_clip_without_warmup(step, initial_learning_rate, decay_steps, alpha=0.0,
                                        warmup_target=None, warmup_steps=0):
    """The step clipped at warmup_steps + decay_steps with a warmup_target only."""
    return _cosine(step, initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps,
                   clip_plain=False)


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


def returns_initial_rate_checked(step, initial_learning_rate=None, decay_steps=None, *args,
                                 boundaries=None, values=None, **kwargs):
    """The rate at step 0 for every step, but refusing with ValueError what Keras's
    constructors refuse (``decay_steps <= 0``, ``len(values) != len(boundaries) + 1``):
    the error cases alone must earn nothing."""
    if values is not None:
        if len(values) != len(boundaries) + 1:
            raise ValueError("len(values) must be len(boundaries) + 1")
        return float(values[0])
    if decay_steps <= 0:
        raise ValueError("decay_steps must be > 0")
    return float(initial_learning_rate)


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


class PlateauMaxModeMinDeltaWrongWay(_Plateau):
    """Right in min mode; in max mode ``current + min_delta > best`` (Keras-style code that
    negates min_delta for both directions), so min_delta makes maximising easier."""

    def _improves(self, current, reference):
        if reference is None or self.direction == "min":
            return super()._improves(current, reference)
        return np.float32(current + self.min_delta) > np.float32(reference)


class PlateauMinDeltaSignKept(_Plateau):
    def _delta(self, min_delta):
        return min_delta


class PlateauCompareInFloat64(_Plateau):
    """Accepted (see ACCEPTED): the improvement test in float64. It differs from Keras's
    float32 test only on values closer than float32 can tell apart, which no graded
    case holds."""

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
    """tf.keras 2.x's start: best = inf (-inf when maximising) instead of None, so a
    first NaN is no improvement, and best is +-inf while no value has been seen."""

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._infinite = True

    def on_epoch_end(self, epoch, logs=None):
        if self.direction is None:
            self.direction = self._resolve()
        if getattr(self, "_infinite", True) and self.best is None:
            self.best = float("inf") if self.direction == "min" else -float("inf")
        self._infinite = False
        super().on_epoch_end(epoch, logs)


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


class PlateauAutoFallsBackToMin(_Plateau):
    """mode='auto' as Keras resolves it (``loss``, then the compiled metric's direction),
    but a name whose direction nothing gives is minimised instead of raising ValueError."""

    def _resolve(self):
        try:
            return super()._resolve()
        except ValueError:
            return "min"


class PlateauUnknownModeRaises(_Plateau):
    """An unknown mode string raises ValueError (Keras warns and falls back to 'auto')."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"unknown mode {mode!r}")
        super().__init__(monitor, factor, patience, mode, min_delta, cooldown, min_lr)


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


class PlateauNeverReducesChecked(PlateauNeverReduces):
    """Does nothing, but raises ValueError where Keras does (factor >= 1.0, mode='auto'
    on a name whose direction nothing gives): the error cases alone must earn nothing."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        _Plateau._check_factor(self, factor)
        super().__init__()
        self.monitor = monitor
        self.mode = mode if mode in ("auto", "min", "max") else "auto"

    def on_epoch_end(self, epoch, logs=None):
        _Plateau._resolve(self)


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

_EXPOSING = {}   # mistake id -> its exposing inputs


def _m(mistake_id, *exposing):
    _EXPOSING[mistake_id] = tuple(exposing)


_m("exponential_decay_staircase_round",
   {"step": 6, **EXP, "staircase": True},
   {"step": 16, **EXP, "staircase": True})
_m("exponential_decay_ignores_staircase",
   {"step": 5, **EXP, "staircase": True})
_m("exponential_decay_always_staircase",
   {"step": 5, **EXP})
_m("exponential_decay_natural_exp",
   {"step": 10, **EXP})
_m("exponential_decay_step_plus_one",
   {"step": 0, **EXP})

_m("piecewise_boundary_exclusive",
   {"step": 10, **PW},
   {"step": 20, **PW})
_m("piecewise_last_value_missing",
   {"step": 21, **PW})
_m("piecewise_no_length_check",
   {"step": 5, "boundaries": [10], "values": [1.0, 0.5, 0.1]},
   {"step": 5, "boundaries": [10, 20], "values": [1.0, 0.5]})
_m("piecewise_lengths_must_match",
   {"step": 5, **PW},
   {"step": 5, "boundaries": [10], "values": [1.0, 0.5]})

_m("inverse_time_decay_ignores_staircase",
   {"step": 5, **INV, "staircase": True})
_m("inverse_time_decay_always_staircase",
   {"step": 5, **INV})
_m("inverse_time_decay_staircase_round",
   {"step": 6, **INV, "staircase": True})
_m("inverse_time_decay_power_form",
   {"step": 20, **INV})
_m("inverse_time_decay_ignores_decay_steps",
   {"step": 10, **INV})

_m("cosine_decay_no_clip",
   {"step": 150, "initial_learning_rate": 0.1, "decay_steps": 100},
   {"step": 250, **WARM})
_m("cosine_decay_no_clip_without_warmup",
   {"step": 150, "initial_learning_rate": 0.1, "decay_steps": 100})
_m("cosine_decay_alpha_absolute",
   {"step": 100, "initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.5})
_m("cosine_warmup_from_zero",
   {"step": 5, **WARM},
   {"step": 0, **WARM})
_m("cosine_warmup_zero_steps_ignores_target",
   {"step": 0, "initial_learning_rate": 0.5, "decay_steps": 100, "warmup_target": 0.1,
    "warmup_steps": 0})
_m("cosine_warmup_inside_decay_steps",
   {"step": 60, **WARM},
   {"step": 105, **WARM})
_m("cosine_warmup_steps_without_target",
   {"step": 10, "initial_learning_rate": 0.1, "decay_steps": 100, "warmup_steps": 10})
_m("cosine_warmup_off_by_one",
   {"step": 0, **WARM},
   {"step": 5, **WARM})

_m("plateau_off_by_one_patience",
   _run(FLAT, factor=0.5, patience=2, min_delta=0))
_m("plateau_patience_zero_never_reduces",
   _run(FLAT[:4], factor=0.5, patience=0, min_delta=0))
_m("plateau_non_strict_improvement",
   _run(FLAT[:4], factor=0.5, patience=1, min_delta=0))
_m("plateau_min_delta_wrong_way",
   _run([1.0, 0.9375, 0.875, 0.8125], factor=0.5, patience=1, min_delta=0.125))
_m("plateau_max_mode_min_delta_wrong_way",
   _run([0.5] * 5, monitor="val_accuracy", mode="max", factor=0.5, patience=1, min_delta=1 / 32),
   _run([0.5 + k / 64 for k in range(6)], monitor="val_accuracy", metrics=ACC, factor=0.5,
        patience=2, min_delta=1 / 32))
_m("plateau_min_delta_sign_kept",
   _run([1.0, 1.0625, 1.125], factor=0.5, patience=1, min_delta=-0.125))
_m("plateau_compare_in_float64",
   _run([0.5, 0.5 - 1e-9, 0.5 - 2e-9], factor=0.5, patience=1, min_delta=0))
_m("plateau_cooldown_does_not_reset_wait",
   _run(FLAT, factor=0.5, patience=1, cooldown=2, min_delta=0),
   _run(FLAT, factor=0.5, patience=3, cooldown=2, min_delta=0))
_m("plateau_cooldown_checked_before_decrement",
   _run(FLAT, factor=0.5, patience=1, cooldown=1, min_delta=0))
_m("plateau_ignores_cooldown",
   _run(FLAT, factor=0.5, patience=1, cooldown=2, min_delta=0))
_m("plateau_wait_not_reset_after_reduction",
   _run(FLAT, factor=0.5, patience=2, min_delta=0))
_m("plateau_ignores_min_lr",
   _run(FLAT, factor=0.5, patience=1, min_delta=0, min_lr=0.02))
_m("plateau_reduces_below_min_lr",
   _run(FLAT, factor=0.5, patience=1, min_delta=0, min_lr=0.02))
_m("plateau_reduces_at_min_lr",
   _run(FLAT, factor=0.5, patience=1, min_delta=0, min_lr=0.025))
_m("plateau_min_lr_compared_in_float64",
   _run(FLAT[:5], lr=0.004, factor=0.5, patience=1, min_delta=0, min_lr=0.001))
_m("plateau_no_reset_on_train_begin",
   _run(None, factor=0.5, patience=2, min_delta=0, trainings=[[1.0, 1.0], [2.0, 2.0]]))
_m("plateau_missing_counts_as_wait",
   _run([1.0, None, None, 0.5], factor=0.5, patience=2, min_delta=0))
_m("plateau_best_starts_at_infinity",
   _run([None, 1.0], factor=0.5, patience=1, min_delta=0),
   _run([float("nan"), 1.0], factor=0.5, patience=1, min_delta=0))
_m("plateau_accuracy_minimised",
   _run([0.5, 0.625, 0.75], monitor="val_accuracy", metrics=ACC, factor=0.5, patience=1,
        min_delta=0))
_m("plateau_auto_mode_by_name",
   _run([0.5, 0.625, 0.75], monitor="val_auc", metrics=[{"name": "auc", "direction": "up"}],
        factor=0.5, patience=1, min_delta=0),
   _run([0.5, 0.625], monitor="val_my_score", factor=0.5, patience=1, min_delta=0,
        metrics=[{"name": "my_score", "direction": None}]))
_m("plateau_auto_falls_back_to_min",
   _run([0.5, 0.625], monitor="val_my_score", factor=0.5, patience=1, min_delta=0,
        metrics=[{"name": "my_score", "direction": None}]),
   _run([0.5, 0.625, 0.75], monitor="val_accuracy", factor=0.5, patience=1, min_delta=0))
_m("plateau_unknown_mode_raises",
   _run([1.0, 0.875, 1.0], mode="bogus", factor=0.5, patience=1, min_delta=0))
_m("plateau_no_factor_check",
   _run([1.0, 1.0], factor=1.0, patience=1))

_m("returns_initial_rate")
_m("returns_zero")
_m("returns_initial_rate_checked")
_m("plateau_never_reduces",
   _run(FLAT[:4], factor=0.5, patience=1, min_delta=0))
_m("plateau_never_reduces_checked",
   _run(FLAT[:4], factor=0.5, patience=1, min_delta=0))
_m("plateau_always_reduces",
   _run([1.0, 0.5, 0.25], factor=0.5, patience=1, min_delta=0))


def _ids(cls) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def _mistake(part, impl, exposing=None):
    mid = impl.__name__ if not isinstance(impl, type) else _ids(impl)
    found = _EXPOSING[mid]
    return Mistake(id=mid, part=part, impl=impl, exposing=found if exposing is None else exposing)


_SCHEDULE_MISTAKES = {
    "exponential_decay": (exponential_decay_staircase_round, exponential_decay_ignores_staircase,
                          exponential_decay_always_staircase, exponential_decay_natural_exp,
                          exponential_decay_step_plus_one),
    "piecewise_constant": (piecewise_boundary_exclusive, piecewise_last_value_missing,
                           piecewise_no_length_check, piecewise_lengths_must_match),
    "inverse_time_decay": (inverse_time_decay_ignores_staircase,
                           inverse_time_decay_always_staircase,
                           inverse_time_decay_staircase_round, inverse_time_decay_power_form,
                           inverse_time_decay_ignores_decay_steps),
    "cosine_decay": (cosine_decay_no_clip, cosine_decay_no_clip_without_warmup,
                     cosine_decay_alpha_absolute, cosine_warmup_from_zero,
                     cosine_warmup_zero_steps_ignores_target, cosine_warmup_inside_decay_steps,
                     cosine_warmup_steps_without_target, cosine_warmup_off_by_one),
}
_PLATEAU_MISTAKES = (
    PlateauOffByOnePatience, PlateauPatienceZeroNeverReduces, PlateauNonStrictImprovement,
    PlateauMinDeltaWrongWay, PlateauMaxModeMinDeltaWrongWay, PlateauMinDeltaSignKept,
    PlateauCooldownDoesNotResetWait, PlateauCooldownCheckedBeforeDecrement,
    PlateauIgnoresCooldown, PlateauWaitNotResetAfterReduction, PlateauIgnoresMinLr,
    PlateauReducesBelowMinLr, PlateauReducesAtMinLr, PlateauMinLrComparedInFloat64,
    PlateauNoResetOnTrainBegin, PlateauMissingCountsAsWait, PlateauBestStartsAtInfinity,
    PlateauAccuracyMinimised, PlateauAutoModeByName, PlateauAutoFallsBackToMin,
    PlateauUnknownModeRaises, PlateauNoFactorCheck,
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
#: ... and the arguments Keras refuses, which the unchecked mutants accept.
_REFUSED = {
    "exponential_decay": {"step": 10, **EXP, "decay_steps": 0},
    "piecewise_constant": {"step": 11, "boundaries": [10, 20], "values": [1.0, 0.5]},
    "inverse_time_decay": {"step": 10, **INV, "decay_steps": 0},
    "cosine_decay": {"step": 50, "initial_learning_rate": 0.1, "decay_steps": 0},
}

#: Implementations that differ from Keras only where the grading does not look, by
#: design (they must score full marks): the improvement test in float64.
ACCEPTED = {"reduce_lr_on_plateau": (_mistake("reduce_lr_on_plateau", PlateauCompareInFloat64),)}

#: part id -> the trivial mutants (each must score 0 in its part).
TRIVIAL = {
    **{part: (_mistake(part, returns_initial_rate, (*inputs, _REFUSED[part])),
              _mistake(part, returns_zero, (*inputs, _REFUSED[part])),
              _mistake(part, returns_initial_rate_checked, inputs))
       for part, inputs in _TRIVIAL_SCHEDULE_INPUTS.items()},
    "reduce_lr_on_plateau": (_mistake("reduce_lr_on_plateau", PlateauNeverReduces),
                             _mistake("reduce_lr_on_plateau", PlateauNeverReducesChecked),
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
