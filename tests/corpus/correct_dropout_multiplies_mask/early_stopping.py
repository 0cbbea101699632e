"""Early stopping; keeps a reference to the model's weight list (get_weights copies)."""
import math


class EarlyStopping:
    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        if mode == "auto":
            base = monitor.removeprefix("val_")
            if base == "loss":
                mode = "min"
            elif base in {"accuracy", "acc", "auc"}:
                mode = "max"
            else:
                raise ValueError(f"mode='auto' does not know whether to minimise {monitor}")
        self.sign = 1.0 if mode == "min" else -1.0       # minimise sign * value
        self.monitor = monitor
        self.min_delta = math.fabs(min_delta)
        self.patience = patience
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.on_train_begin()

    def set_model(self, model):
        self.model = model

    def is_better(self, a, b):
        return b is None or self.sign * a + self.min_delta < self.sign * b

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if epoch < self.start_from_epoch or self.monitor not in logs:
            return
        current = logs[self.monitor]
        self.wait += 1
        if self.is_better(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.is_better(current, self.baseline):
                self.wait = 0
        elif epoch > 0 and self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
