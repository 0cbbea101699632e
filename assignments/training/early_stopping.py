# Generated from solutions/training/early_stopping.py by `grader stubs`: fill in every `raise NotImplementedError`.
"""Early stopping: Keras's ``callbacks.EarlyStopping``, in plain Python.

조기 종료: Keras의 ``callbacks.EarlyStopping`` 콜백을 순수 파이썬으로 구현합니다.
(Early stopping: Keras's EarlyStopping callback, implemented in plain Python.)

A callback is an object whose methods the training loop calls at fixed moments.
``model.fit`` does, for one training::

    callback.set_model(model)                  # once, before the first training
    callback.on_train_begin(logs={})
    for epoch in range(epochs):                # epoch is 0-based
        ...train one epoch, then validate...
        callback.on_epoch_end(epoch, logs)     # logs = {"loss": 0.41, "val_loss": 0.52, ...}
        if model.stop_training:
            break                              # the epoch that asked to stop was run in full
    callback.on_train_end(logs={})

The model offers ``get_weights()`` (a list of numpy arrays, a copy),
``set_weights(list_of_arrays)`` and the flag ``stop_training``. The same callback
object may be used for several trainings (several ``fit`` calls): every training
starts from a clean state.

The logs hold Python floats. A monitored name that is missing from the logs (e.g.
``val_loss`` without validation data) is skipped for that epoch.
"""


class EarlyStopping:
    """Stop training when a monitored quantity has stopped improving (Keras 3).

    Improvement (comparisons are STRICT; ``min_delta`` is used as ``abs(min_delta)``)::

        mode "min":  current + abs(min_delta) < best
        mode "max":  current - abs(min_delta) > best
        best is None (first monitored epoch):  always an improvement

    ``mode="auto"`` takes the direction from the monitored name without its ``val_``
    prefix: ``loss`` is minimised; ``accuracy``, ``acc`` and ``auc`` are maximised;
    any other name raises ``ValueError``.

    At the end of each epoch whose monitored value is present and whose number is
    ``>= start_from_epoch`` (other epochs are ignored completely)::

        wait += 1                                   # BEFORE the test
        if improvement(current, best):
            best, best_epoch = current, epoch       # snapshot the weights if restoring
            if baseline is None or improvement(current, baseline):
                wait = 0
            # an improving epoch never stops training
        elif wait >= patience and epoch > 0:
            stopped_epoch = epoch                   # 0-based
            model.stop_training = True

    ``baseline`` does NOT seed ``best``: it only decides whether an improving epoch
    resets ``wait``. With ``restore_best_weights=True``, the weights at the end of the
    best epoch are put back in ``on_train_end`` whenever a snapshot exists, whether
    training stopped early or not.

    Args:
        monitor: the logs key to watch (default ``"val_loss"``).
        min_delta: smallest change that counts as an improvement (default 0).
        patience: epochs without improvement before stopping (default 0: stop at the
            first epoch that does not improve).
        mode: ``"auto"``, ``"min"`` or ``"max"`` (default ``"auto"``).
        baseline: a value to beat, or None (default).
        restore_best_weights: restore the best epoch's weights at the end of
            training (default False).
        start_from_epoch: epochs ``< start_from_epoch`` are not monitored (default 0).

    Attributes after a training (Keras's meaning):
        stopped_epoch: 0-based epoch at which training was stopped, 0 if it never was.
        best: the best monitored value (a float), None if no epoch was monitored.
        best_epoch: 0-based epoch of ``best`` (0 if none).
        wait: epochs counted since the last reset.
        best_weights: the snapshot (list of arrays) or None.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        raise NotImplementedError("__init__: your code here")

    def set_model(self, model):
        """Remember the model (called once by the training loop)."""
        self.model = model

    def _is_improvement(self, current, reference):
        """True when ``current`` beats ``reference`` by more than ``min_delta``."""
        raise NotImplementedError("_is_improvement: your code here")

    def on_train_begin(self, logs=None):
        """Reset the state, so that one callback can serve several trainings."""
        raise NotImplementedError("on_train_begin: your code here")

    def on_epoch_end(self, epoch, logs=None):
        """Update the state after epoch ``epoch`` (0-based); maybe stop training."""
        raise NotImplementedError("on_epoch_end: your code here")

    def on_train_end(self, logs=None):
        """Restore the best weights if asked to and a snapshot exists."""
        raise NotImplementedError("on_train_end: your code here")
