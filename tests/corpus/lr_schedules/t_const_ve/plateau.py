
class ReduceLROnPlateau:
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        if factor >= 1.0:
            raise ValueError("factor")
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass
