"""Builds ``notebook_student/homework3.ipynb``: a correct submission written as one
Jupyter notebook by a student who computes in float32, with the usual notebook
clutter (markdown, IPython magics, shell lines, a scratch cell that fails).

Run ``python tests/corpus/_make_notebook.py`` after editing the cells below; the
corpus test checks that the committed notebook matches this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
TARGET = HERE / "notebook_student" / "homework3.ipynb"

CELLS = [
    ("md", "# 과제 3: 학습 기법 (Homework 3: training techniques)\n\nName: 김학생"),
    ("code", "%matplotlib inline\n!pip install numpy --quiet\nimport numpy as np\nF = np.float32"),
    ("md", "## 1. Optimizers\nEverything is computed in float32, like Keras's variables."),
    ("code", '''\
def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = F(momentum) * velocity.astype(F) - F(learning_rate) * grad.astype(F)
    return param.astype(F) + v, v


def nesterov_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v = F(momentum) * velocity.astype(F) - F(learning_rate) * grad.astype(F)
    return param.astype(F) + F(momentum) * v - F(learning_rate) * grad.astype(F), v'''),
    ("code", '''\
def adagrad_step(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    g = grad.astype(F)
    acc = accumulator.astype(F) + g * g
    return param.astype(F) - F(learning_rate) * g / np.sqrt(acc + F(epsilon)), acc


def rmsprop_step(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    g = grad.astype(F)
    v = F(rho) * velocity.astype(F) + F(1 - rho) * g * g
    return param.astype(F) - F(learning_rate) * g / np.sqrt(v + F(epsilon)), v'''),
    ("code", '''\
def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
              epsilon=1e-7):
    g = grad.astype(F)
    m = m.astype(F) + (g - m.astype(F)) * F(1 - beta_1)
    v = v.astype(F) + (g * g - v.astype(F)) * F(1 - beta_2)
    alpha = F(learning_rate) * np.sqrt(F(1) - F(beta_2) ** F(t)) / (F(1) - F(beta_1) ** F(t))
    return param.astype(F) - m * alpha / (np.sqrt(v) + F(epsilon)), m, v


def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004,
               beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    p = param.astype(F)
    p = p - p * F(weight_decay) * F(learning_rate)
    return adam_step(p, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)'''),
    ("code", "# quick sanity check\np = np.ones(3)\nprint(adam_step(p, p, np.zeros(3), np.zeros(3), 1, 0.01))"),
    ("code", "# scratch: plot the loss curves (history comes from another notebook)\nhistory.plot()"),
    ("md", "## 2. Regularisation"),
    ("code", '''\
def l1_penalty(weights, l1=0.01):
    return float(F(l1) * np.sum(np.abs(weights.astype(F))))


def l1_grad(weights, l1=0.01):
    return F(l1) * np.sign(weights.astype(F))


def l2_penalty(weights, l2=0.01):
    return float(F(l2) * np.sum(np.square(weights.astype(F))))


def l2_grad(weights, l2=0.01):
    return F(2 * l2) * weights.astype(F)


def dropout_mask(shape, rate, rng):
    return rng.random(shape, dtype=np.float32) >= rate


def dropout(x, rate, mask, training=False):
    if not training:
        return x
    if rate == 1:
        return np.zeros_like(x)
    return np.where(mask, x * x.dtype.type(1 / (1 - rate)), x.dtype.type(0))'''),
    ("md", "## 3. Batch normalisation"),
    ("code", '''\
def _bn(x, mean, var, gamma, beta, epsilon):
    return gamma.astype(F) * (x - mean) / np.sqrt(var + F(epsilon)) + beta.astype(F)


def batchnorm_train(x, gamma, beta, moving_mean, moving_variance,
                    momentum=0.99, epsilon=1e-3):
    x = x.astype(F)
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes)
    var = ((x - mean) ** 2).mean(axis=axes)
    new_mm = moving_mean.astype(F) * F(momentum) + mean * F(1 - momentum)
    new_mv = moving_variance.astype(F) * F(momentum) + var * F(1 - momentum)
    return _bn(x, mean, var, gamma, beta, epsilon), new_mm, new_mv


def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    return _bn(x.astype(F), moving_mean.astype(F), moving_variance.astype(F), gamma, beta, epsilon)'''),
    ("md", "## 4. Early stopping"),
    ("code", '''\
class EarlyStopping:
    def __init__(self, monitor="val_loss", min_delta=0, patience=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        self.monitor, self.patience, self.baseline = monitor, patience, baseline
        self.min_delta = abs(min_delta)
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        if mode not in ("min", "max"):
            base = monitor[len("val_"):] if monitor.startswith("val_") else monitor
            if base == "loss":
                mode = "min"
            elif base in ("accuracy", "acc", "auc"):
                mode = "max"
            else:
                raise ValueError("unknown direction for " + monitor)
        self.mode = mode
        self.model = None
        self.on_train_begin()

    def set_model(self, model):
        self.model = model

    def improved(self, current, reference):
        if reference is None:
            return True
        if self.mode == "min":
            return F(current + self.min_delta) < F(reference)
        return F(current - self.min_delta) > F(reference)

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
        if self.improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.improved(current, self.baseline):
                self.wait = 0
        elif self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)'''),
    ("code", "%%timeit\nadam_step(np.ones(1000), np.ones(1000), np.zeros(1000), np.zeros(1000), 1)"),
]


def build() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, source in CELLS:
        nb.cells.append(new_markdown_cell(source) if kind == "md" else new_code_cell(source))
    for i, cell in enumerate(nb.cells):      # stable ids: the file is byte-for-byte reproducible
        cell["id"] = f"cell-{i:02d}"
    return nb


def text() -> str:
    return nbformat.writes(build()) + "\n"


if __name__ == "__main__":
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(text(), encoding="utf-8")
    print(f"wrote {TARGET}", file=sys.stderr)
