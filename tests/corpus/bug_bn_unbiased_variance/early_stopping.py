"""Assignment 3, part 4: early stopping, following keras.callbacks.EarlyStopping."""
import numpy as np


class EarlyStopping:
    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        if mode not in ("auto", "min", "max"):
            mode = "auto"
        if mode == "auto":
            base = monitor[4:] if monitor.startswith("val_") else monitor
            if base == "loss":
                mode = "min"
            elif base in ("accuracy", "acc", "auc"):
                mode = "max"
            else:
                raise ValueError(f"cannot infer the mode of {monitor!r}; pass mode='min' or 'max'")
        self.mode = mode
        self.model = None
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def set_model(self, model):
        self.model = model

    def _better(self, current, reference):
        if reference is None:
            return True
        if self.mode == "min":
            return np.float32(current + self.min_delta) < np.float32(reference)
        return np.float32(current - self.min_delta) > np.float32(reference)

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None or epoch < self.start_from_epoch:
            return
        self.wait += 1
        if self._better(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._better(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
