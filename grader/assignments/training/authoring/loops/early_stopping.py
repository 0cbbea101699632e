# HW3 - early stopping (plain Python comparisons)


class EarlyStopping:
    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.mode = mode
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.model = None
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.wait = 0
        self.best_weights = None
        self.minimize = None

    def set_model(self, model):
        self.model = model

    def _decide_direction(self):
        mode = self.mode
        if mode not in ("min", "max"):
            name = self.monitor
            if name.startswith("val_"):
                name = name[len("val_"):]
            if name == "loss":
                mode = "min"
            elif name in ("accuracy", "acc", "auc"):
                mode = "max"
            else:
                raise ValueError("EarlyStopping: mode='auto' cannot tell the direction of "
                                 + repr(self.monitor))
        self.minimize = mode == "min"

    def _improves(self, value, than):
        if than is None:
            return True
        if self.minimize:
            return value + self.min_delta < than
        return value - self.min_delta > than

    def on_train_begin(self, logs=None):
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.wait = 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        if self.minimize is None:
            self._decide_direction()
        if logs is None or self.monitor not in logs:
            print("EarlyStopping: %s not available in logs" % self.monitor)
            return
        if epoch < self.start_from_epoch:
            return
        value = logs[self.monitor]
        self.wait = self.wait + 1
        if self._improves(value, self.best):
            self.best = value
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improves(value, self.baseline):
                self.wait = 0
        elif self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
