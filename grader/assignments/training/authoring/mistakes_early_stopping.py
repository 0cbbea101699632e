"""Known-wrong EarlyStopping classes (instructor-only: never shipped to students).

Each class has the student's interface and makes exactly one mistake, named by its
key (the class name in snake_case). The recorder drives each of them through the
same fit loop as Keras's callback, so that a student's wrong behaviour can be named;
the tests bind each as ``EarlyStopping = <class>`` in a mutant submission that must
lose points in the early_stopping part only. This source also works appended to the
solution module (it defines no name the solution module uses).
"""

import numpy as np  # noqa: F401  (the mistakes modules share one header)


class _MistakeBase:
    """A correct EarlyStopping (Keras's semantics) with hooks the mistakes override."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        if mode == "auto":
            base = monitor[4:] if monitor.startswith("val_") else monitor
            if base == "loss":
                mode = "min"
            elif base in ("accuracy", "acc", "auc"):
                mode = "max"
            else:
                raise ValueError(f"cannot infer the mode of {monitor!r}")
        self.monitor = monitor
        self.min_delta = self._delta(min_delta)
        self.patience = patience
        self.mode = mode
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.model = None
        self._reset()

    # -- hooks -------------------------------------------------------------------------
    def _delta(self, min_delta):
        return abs(min_delta)

    def _improves(self, current, reference):
        if reference is None:
            return True
        if self.mode == "min":
            return current + self.min_delta < reference
        return current - self.min_delta > reference

    def _start_best(self):
        return None

    def _resets_wait(self, current):
        return self.baseline is None or self._improves(current, self.baseline)

    def _patience_over(self):
        return self.wait >= self.patience

    def _stop(self, epoch):
        self.stopped_epoch = epoch
        self.model.stop_training = True

    def _skipped(self, epoch, current):
        return current is None or epoch < self.start_from_epoch

    def _should_restore(self):
        return self.restore_best_weights and self.best_weights is not None

    # -- the callback --------------------------------------------------------------------
    def _reset(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self._start_best()
        self.best_epoch = 0
        self.best_weights = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if self._skipped(epoch, current):
            return
        self.wait += 1
        if self._improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self._resets_wait(current):
                self.wait = 0
            return
        if self._patience_over() and epoch > 0:
            self._stop(epoch)

    def on_train_end(self, logs=None):
        if self._should_restore():
            self.model.set_weights(self.best_weights)


class EarlyStoppingOffByOnePatience(_MistakeBase):
    """Stops one epoch late: ``wait > patience`` instead of ``wait >= patience``."""

    def _patience_over(self):
        return self.wait > self.patience


class EarlyStoppingNonStrictImprovement(_MistakeBase):
    """Counts an equal value as an improvement (``<=`` / ``>=``)."""

    def _improves(self, current, reference):
        if reference is None:
            return True
        if self.mode == "min":
            return current + self.min_delta <= reference
        return current - self.min_delta >= reference


class EarlyStoppingMinDeltaWrongWay(_MistakeBase):
    """Applies min_delta in favour of the new value (``current - min_delta < best``)."""

    def _improves(self, current, reference):
        if reference is None:
            return True
        if self.mode == "min":
            return current - self.min_delta < reference
        return current + self.min_delta > reference


class EarlyStoppingMinDeltaSignKept(_MistakeBase):
    """Uses min_delta as given: a negative min_delta makes improving easier."""

    def _delta(self, min_delta):
        return min_delta


class EarlyStoppingRestoreOnlyWhenStopped(_MistakeBase):
    """Restores the best weights only when training was stopped early."""

    def _should_restore(self):
        return super()._should_restore() and self.stopped_epoch > 0


class EarlyStoppingBaselineSeedsBest(_MistakeBase):
    """Starts ``best`` at the baseline (the first epoch must beat it to become best)."""

    def _start_best(self):
        return self.baseline


class EarlyStoppingIgnoresBaseline(_MistakeBase):
    """Every improvement resets ``wait``, whether or not it beats the baseline."""

    def _resets_wait(self, current):
        return True


class EarlyStoppingIgnoresStartFromEpoch(_MistakeBase):
    """Monitors every epoch from epoch 0, whatever start_from_epoch says."""

    def _skipped(self, epoch, current):
        return current is None


class EarlyStoppingMissingCountsAsWait(_MistakeBase):
    """Counts an epoch whose monitored value is missing as one without improvement."""

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None and epoch >= self.start_from_epoch:
            self.wait += 1
            if self._patience_over() and epoch > 0:
                self._stop(epoch)
            return
        super().on_epoch_end(epoch, logs)


class EarlyStoppingNoResetOnTrainBegin(_MistakeBase):
    """Sets its state in ``__init__`` only: a second training inherits the first's."""

    def on_train_begin(self, logs=None):
        pass


class EarlyStoppingOneBasedStoppedEpoch(_MistakeBase):
    """Stores the 1-based epoch number in ``stopped_epoch``."""

    def _stop(self, epoch):
        super()._stop(epoch)
        self.stopped_epoch = epoch + 1


class EarlyStoppingAccuracyMinimised(_MistakeBase):
    """mode='auto' minimises every monitored name, accuracy included."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, min_delta, patience, "min" if mode == "auto" else mode,
                         baseline, restore_best_weights, start_from_epoch)


class EarlyStoppingPatienceZeroNeverStops(_MistakeBase):
    """Treats patience=0 as "early stopping off" (``if self.patience and ...``)."""

    def _patience_over(self):
        return bool(self.patience) and self.wait >= self.patience


class EarlyStoppingStopsAtEpochZero(_MistakeBase):
    """No ``epoch > 0`` guard, and an improving epoch that misses the baseline is still
    tested against patience: with a baseline the first epoch misses and patience <= 1
    it stops at epoch 0, which Keras never does."""

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if self._skipped(epoch, current):
            return
        self.wait += 1
        if self._improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self._resets_wait(current):
                self.wait = 0
                return
        if self._patience_over():
            self._stop(epoch)


class EarlyStoppingStopTestAfterImprovement(_MistakeBase):
    """tf.keras 2.x's order: no return after an improvement, so the stop test (with its
    ``epoch > 0`` guard) also runs on improving epochs; patience=0 stops at epoch 1 even
    while the monitored value improves."""

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if self._skipped(epoch, current):
            return
        self.wait += 1
        if self._improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self._resets_wait(current):
                self.wait = 0
        if self._patience_over() and epoch > 0:
            self._stop(epoch)


class EarlyStoppingBaselineIgnoresMinDelta(_MistakeBase):
    """Tests the baseline without min_delta (``current < baseline``): an improvement
    that beats the baseline by less than min_delta still resets ``wait``."""

    def _resets_wait(self, current):
        if self.baseline is None:
            return True
        return current < self.baseline if self.mode == "min" else current > self.baseline


class EarlyStoppingBestStartsAtInfinity(_MistakeBase):
    """tf.keras 2.x's start: ``best = inf`` (``-inf`` in max mode) instead of None, so
    ``best`` is inf, not None, when no epoch was monitored."""

    def _start_best(self):
        return float("inf") if self.mode == "min" else -float("inf")


class EarlyStoppingBestEpochNotSet(_MistakeBase):
    """Never records the best epoch: ``best_epoch`` stays 0."""

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        self.best_epoch = 0


class EarlyStoppingSnapshotTakenOnce(_MistakeBase):
    """Snapshots the weights only at the first improvement (``if self.best_weights is
    None``): restoring gives that epoch's weights, not the best one's."""

    def on_epoch_end(self, epoch, logs=None):
        kept = self.best_weights
        super().on_epoch_end(epoch, logs)
        if kept is not None:
            self.best_weights = kept


class EarlyStoppingModesSwapped(_MistakeBase):
    """The 'min' and 'max' comparisons swapped (``if self.mode == "max": return current +
    min_delta < reference``): it maximises losses and minimises accuracies, with an
    explicit mode as with mode='auto'."""

    def _improves(self, current, reference):
        if reference is None:
            return True
        if self.mode == "max":
            return current + self.min_delta < reference
        return current - self.min_delta > reference


class EarlyStoppingSnapshotEveryEpoch(_MistakeBase):
    """Snapshots the weights at every monitored epoch, not only when improving: restoring
    gives the last monitored epoch's weights."""

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if self.restore_best_weights and not self._skipped(epoch, current):
            self.best_weights = self.model.get_weights()
        super().on_epoch_end(epoch, logs)


class EarlyStoppingWaitNotCountedOnImprovement(_MistakeBase):
    """Increments ``wait`` only on epochs without improvement (``self.wait += 1`` moved
    down to the stop test): an improvement that misses the baseline leaves ``wait`` as it
    was instead of counting towards patience."""

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if self._skipped(epoch, current):
            return
        if self._improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self._resets_wait(current):
                self.wait = 0
            return
        self.wait += 1
        if self._patience_over() and epoch > 0:
            self._stop(epoch)


# -- trivial mutants: each must score 0 in the part ----------------------------------------
class EarlyStoppingNeverStops:
    """Does nothing at all (the attributes keep their initial values)."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        self.wait, self.stopped_epoch, self.best, self.best_epoch = 0, 0, None, 0
        self.best_weights = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class EarlyStoppingAlwaysStops(EarlyStoppingNeverStops):
    """Stops training at the first epoch, whatever the logs say."""

    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = True


def mistake_id(cls) -> str:
    """``EarlyStoppingOffByOnePatience`` -> ``early_stopping_off_by_one_patience``."""
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


MISTAKES = {
    "early_stopping": [
        EarlyStoppingOffByOnePatience, EarlyStoppingNonStrictImprovement,
        EarlyStoppingMinDeltaWrongWay, EarlyStoppingMinDeltaSignKept,
        EarlyStoppingRestoreOnlyWhenStopped, EarlyStoppingBaselineSeedsBest,
        EarlyStoppingIgnoresBaseline, EarlyStoppingIgnoresStartFromEpoch,
        EarlyStoppingMissingCountsAsWait, EarlyStoppingNoResetOnTrainBegin,
        EarlyStoppingOneBasedStoppedEpoch, EarlyStoppingAccuracyMinimised,
        EarlyStoppingPatienceZeroNeverStops, EarlyStoppingStopsAtEpochZero,
        EarlyStoppingStopTestAfterImprovement, EarlyStoppingBaselineIgnoresMinDelta,
        EarlyStoppingBestStartsAtInfinity, EarlyStoppingBestEpochNotSet,
        EarlyStoppingSnapshotTakenOnce, EarlyStoppingModesSwapped,
        EarlyStoppingSnapshotEveryEpoch, EarlyStoppingWaitNotCountedOnImprovement,
    ],
}

TRIVIAL = {"early_stopping": [EarlyStoppingNeverStops, EarlyStoppingAlwaysStops]}
