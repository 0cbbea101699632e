"""EarlyStopping built on the Callback base class from _common."""
import operator

import numpy as np

from _common import Callback

_MAXIMISED = ("accuracy", "acc", "auc")


class EarlyStopping(Callback):
    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.mode = mode
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.monitor_op = None
        self.on_train_begin()

    def _set_monitor_op(self):
        mode = self.mode if self.mode in ("min", "max") else "auto"
        if mode == "auto":
            base = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
            if base == "loss":
                mode = "min"
            elif base in _MAXIMISED:
                mode = "max"
            else:
                raise ValueError(f"EarlyStopping could not infer the mode for monitor={self.monitor!r}")
        if mode == "min":
            self.monitor_op, self._delta = operator.lt, -self.min_delta
        else:
            self.monitor_op, self._delta = operator.gt, self.min_delta

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return bool(self.monitor_op(np.float32(value - self._delta), np.float32(reference)))

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = (logs or {}).get(self.monitor)
        if current is None or epoch < self.start_from_epoch:
            return
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
