
import warnings
import numpy as np


class ReduceLROnPlateau:
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        if mode not in ["auto", "min", "max"]:
            warnings.warn(f"mode {mode} is unknown, fallback to auto mode.")
            mode = "auto"
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.monitor_op = None
        self.best = None
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.model = None

    def set_model(self, model):
        self.model = model

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            metric_name = self.monitor.removeprefix("val_")
            if metric_name == "loss":
                self.monitor_op = np.less
            if hasattr(self.model, "metrics"):
                all_metrics = []
                for m in self.model.metrics:
                    all_metrics.extend(getattr(m, "metrics", []))
                for m in all_metrics:
                    if m.name == metric_name:
                        if getattr(m, "_direction", "down") == "up":
                            self.monitor_op = np.greater
                        else:
                            self.monitor_op = np.less
            if self.monitor_op is None:
                raise ValueError(f"cannot infer the direction of {self.monitor}")
        if self.monitor_op is np.less:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(np.float32(monitor_value - self.min_delta),
                                    np.float32(reference_value)))

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"{self.monitor} not available")
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(self.model.optimizer.learning_rate)
                if np.float32(old_lr) > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def on_train_end(self, logs=None):
        pass
