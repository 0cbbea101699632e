# Generated from solutions/lr_schedules/plateau.py by `grader stubs`: fill in every `raise NotImplementedError`.
"""Reducing the learning rate on a plateau: Keras's ``callbacks.ReduceLROnPlateau``.

정체 구간에서 학습률 낮추기: Keras의 ``callbacks.ReduceLROnPlateau`` 콜백을 구현합니다.
지켜보는 값(예: ``val_loss``)이 ``patience`` 에포크 동안 나아지지 않으면 학습률에
``factor`` 를 곱합니다.
(Reducing the learning rate on a plateau: Keras's ReduceLROnPlateau callback. When the
monitored value, e.g. ``val_loss``, has not improved for ``patience`` epochs, the
learning rate is multiplied by ``factor``.)

A callback is an object whose methods the training loop calls at fixed moments, as
for ``EarlyStopping`` in the training assignment. ``model.fit`` does, for one training::

    callback.set_model(model)                  # at the start of every fit call
    callback.on_train_begin(logs={})
    for epoch in range(epochs):                # epoch is 0-based
        ...train one epoch, then validate...
        callback.on_epoch_end(epoch, logs)     # logs = {"loss": 0.41, "val_loss": 0.52, ...}
    callback.on_train_end(logs={})

What the callback sees of the model:

* ``model.optimizer.learning_rate``: the current learning rate, a float. Read it, and
  assign a new float to it to change the rate. Like Keras's optimizer, which keeps its
  rate in a float32 variable, the model stores what you assign as a float32 number
  (``0.1 * 0.1`` reads back as ``0.009999999776482582``).
* ``model.metrics``: the model's compiled metrics, as in Keras: a list of containers,
  each with ``.metrics``, a list of metric objects with ``.name`` (e.g. ``"accuracy"``)
  and, when Keras knows it, ``._direction``: ``"up"`` (higher is better) or ``"down"``.
  Only ``mode="auto"`` needs them.

The same callback object may be used for several trainings (several ``fit`` calls):
every training starts from a clean state, and with the learning rate the previous
training left. The logs hold Python floats; a monitored name that is missing from the
logs (e.g. ``val_loss`` without validation data) changes nothing that epoch.
"""

import warnings

import numpy as np


class ReduceLROnPlateau:
    """Reduce the learning rate when a monitored quantity has stopped improving (Keras 3).

    지켜보는 값이 나아졌는지는 ``min_delta`` 를 빼고 엄격하게(strict) 비교해 판단합니다.
    나아지지 않은 에포크가 ``patience`` 번 쌓이면 학습률을 ``max(lr * factor, min_lr)`` 로 낮추고
    (``lr > min_lr`` 일 때만), ``cooldown`` 에포크 동안 쉬었다가 다시 셉니다.
    (Improvement is a strict comparison after ``min_delta``; after ``patience`` epochs
    without improvement the rate becomes ``max(lr * factor, min_lr)`` (only while
    ``lr > min_lr``), then the count pauses for ``cooldown`` epochs.)

    Improvement (``min_delta`` is used as ``abs(min_delta)``; ``best`` is None before
    the first monitored epoch)::

        mode "min":  current + min_delta < best
        mode "max":  current - min_delta > best
        best is None:  always an improvement

    Keras compares in float32: both sides are rounded to float32 first
    (``np.float32(current + min_delta) < np.float32(best)``).

    ``mode="auto"`` is resolved at the first ``on_epoch_end``, as in Keras's
    ``MonitorCallback``: the monitored name without its ``val_`` prefix is minimised if
    it is ``loss``; otherwise the compiled metric of exactly that name in
    ``model.metrics`` gives the direction (``"up"``: maximise, ``"down"``: minimise);
    otherwise ``ValueError``. An unknown mode string warns and falls back to ``"auto"``.

    At the end of each epoch whose monitored value ``current`` is in the logs::

        if cooldown_counter > 0:                   # in cooldown
            cooldown_counter -= 1
            wait = 0
        if improvement(current, best):
            best = current
            wait = 0
        elif cooldown_counter <= 0:                # tested AFTER the decrement above
            wait += 1
            if wait >= patience:
                lr = model.optimizer.learning_rate
                if lr > min_lr:                    # in float32, like Keras
                    model.optimizer.learning_rate = max(lr * factor, min_lr)
                    cooldown_counter = cooldown
                    wait = 0

    An epoch whose logs lack the monitored value changes nothing (Keras warns). Once
    the rate has reached ``min_lr``, nothing is reduced and ``wait`` keeps growing.

    Args:
        monitor: the logs key to watch (default ``"val_loss"``).
        factor: the rate is multiplied by it (default 0.1); ``factor >= 1.0`` raises
            ``ValueError``.
        patience: epochs without improvement before a reduction (default 10).
        mode: ``"auto"``, ``"min"`` or ``"max"`` (default ``"auto"``).
        min_delta: smallest change that counts as an improvement (default 1e-4).
        cooldown: epochs to wait after a reduction before counting again (default 0).
        min_lr: lower bound of the learning rate (default 0.0).

    Attributes after each epoch (Keras's meaning):
        wait: epochs without improvement counted since the last reset (an int).
        cooldown_counter: cooldown epochs still to go (an int, 0 outside cooldown).
        best: the best monitored value so far (a float), None before the first one.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        raise NotImplementedError("__init__: your code here")

    def set_model(self, model):
        """모델을 기억합니다 (학습 루프가 학습마다 시작 전에 부릅니다).
        (Remember the model: the training loop calls it before each training.)"""
        self.model = model

    def _resolve_direction(self):
        """``"min"`` 또는 ``"max"``: 주어진 mode, 또는 ``"auto"`` 이면 지켜보는 이름과
        ``model.metrics`` 가 말해 주는 방향 (알 수 없으면 ``ValueError``).
        (``"min"`` or ``"max"``: the mode, or for ``"auto"`` the direction the monitored
        name and ``model.metrics`` give; ``ValueError`` when they give none.)"""
        raise NotImplementedError("_resolve_direction: your code here")

    def _is_improvement(self, current, reference):
        """``current`` 가 ``reference`` 보다 ``min_delta`` 넘게 나으면 True (float32 비교).
        (True when ``current`` beats ``reference`` by more than ``min_delta``, compared
        in float32.)"""
        raise NotImplementedError("_is_improvement: your code here")

    def in_cooldown(self):
        """학습률을 낮춘 뒤 쉬는 기간(cooldown)이면 True.
        (True while the cooldown after a reduction is running.)"""
        raise NotImplementedError("in_cooldown: your code here")

    def on_train_begin(self, logs=None):
        """``wait``, ``cooldown_counter``, ``best`` 를 처음 상태로 되돌립니다.
        (Reset ``wait``, ``cooldown_counter`` and ``best``: one callback object may
        serve several trainings.)"""
        raise NotImplementedError("on_train_begin: your code here")

    def on_epoch_end(self, epoch, logs=None):
        """에포크 ``epoch`` (0부터 셈)가 끝난 뒤 상태를 갱신하고, 필요하면 학습률을 낮춥니다.
        (Update the state after epoch ``epoch``, 0-based; maybe reduce the rate.)"""
        raise NotImplementedError("on_epoch_end: your code here")

    def on_train_end(self, logs=None):
        """학습이 끝날 때 할 일은 없습니다 (Keras 콜백도 아무것도 하지 않습니다).
        (Nothing to do at the end of a training; Keras's callback does nothing either.)"""
