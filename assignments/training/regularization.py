# Generated from solutions/training/regularization.py by `grader stubs`: fill in every `raise NotImplementedError`.
"""Regularization: Keras's L1/L2 weight penalties and Dropout, in numpy.

정규화: Keras의 L1/L2 가중치 페널티와 드롭아웃을 numpy로 구현합니다.
(Regularization: Keras's L1/L2 weight penalties and dropout, implemented with numpy.)

Weight penalties. ``keras.regularizers.L1(l1)`` and ``L2(l2)`` add a penalty of one
weight array to the training loss; the optimizer then sees the loss's gradient plus
the penalty's gradient. Shapes: ``weights`` is any float array, from a scalar ``()``
to ``(d1, d2, d3, d4)``; a penalty is ONE float (a Python float, numpy scalar or 0-d
array), a gradient has the shape of ``weights``. Work in the weights' dtype
(float32 or float64).

Dropout. ``keras.layers.Dropout(rate)`` zeroes each entry with probability ``rate``
during training and scales the kept entries by ``1 / (1 - rate)`` ("inverted"
dropout), so that the expected output equals the input and nothing needs to change
at inference. Here the random keep-mask is drawn separately (``dropout_mask``, from
an explicit ``numpy.random.Generator``), so that ``dropout`` itself is deterministic
and can be compared with Keras given Keras's own mask.
"""

import numpy as np


def l1_penalty(weights, l1=0.01):
    """The penalty of ``keras.regularizers.L1(l1)``: the sum of absolute values.

    Equation::

        penalty = l1 * sum(|w|)

    A SUM over every entry (not a mean), of the absolute values (not the squares).

    Args:
        weights: array of any shape S.
        l1: the coefficient, a float >= 0 (Keras default 0.01).

    Returns:
        The penalty, a float (a numpy scalar or 0-d array is fine).
    """
    raise NotImplementedError("l1_penalty: your code here")


def l1_grad(weights, l1=0.01):
    """The gradient of ``l1_penalty(weights, l1)`` with respect to ``weights``.

    Equation (TensorFlow's gradient of |w| at 0 is 0, so sign(0) = 0)::

        grad = l1 * sign(w)           # sign(w) in {-1, 0, +1}

    Watch out at exact zeros: ``w / |w|`` gives NaN there, and ``w >= 0`` gives +1.

    Args:
        weights: array of any shape S.
        l1: the coefficient (Keras default 0.01).

    Returns:
        An array of shape S.
    """
    raise NotImplementedError("l1_grad: your code here")


def l2_penalty(weights, l2=0.01):
    """The penalty of ``keras.regularizers.L2(l2)``: the sum of squares.

    Equation (Keras has NO 1/2 in front: ``L2(0.5)([1, 2]) = 2.5``)::

        penalty = l2 * sum(w ** 2)

    Args:
        weights: array of any shape S.
        l2: the coefficient, a float >= 0 (Keras default 0.01).

    Returns:
        The penalty, a float (a numpy scalar or 0-d array is fine).
    """
    raise NotImplementedError("l2_penalty: your code here")


def l2_grad(weights, l2=0.01):
    """The gradient of ``l2_penalty(weights, l2)`` with respect to ``weights``.

    Equation (the factor 2 stays, because the penalty has no 1/2)::

        grad = 2 * l2 * w

    For plain SGD, a step on ``grad_loss + l2_grad(w)`` is the same as decoupled
    weight decay with ``weight_decay = 2 * l2``; for Adam it is not (the L2 gradient
    gets divided by sqrt(v) like the rest), which is why AdamW exists.

    Args:
        weights: array of any shape S.
        l2: the coefficient (Keras default 0.01).

    Returns:
        An array of shape S.
    """
    raise NotImplementedError("l2_grad: your code here")


def dropout_mask(shape, rate, rng):
    """A random boolean keep-mask for ``Dropout(rate)``.

    Each entry is True (kept) with probability ``1 - rate`` and False (dropped) with
    probability ``rate``, independently. Keras draws ``u ~ uniform[0, 1)`` and keeps
    the entries with ``u >= rate``; any rule with the same probabilities is fine. So
    ``rate = 0`` keeps everything and ``rate = 1`` drops everything.

    Use ONLY the generator ``rng`` for randomness (e.g. ``rng.random(shape)``), never
    ``np.random.seed`` or the global ``np.random`` functions: two generators built
    with the same seed must give the same mask.

    Args:
        shape: tuple of ints, the shape of the mask.
        rate: float in [0, 1], the probability of dropping an entry.
        rng: a ``numpy.random.Generator`` (``np.random.default_rng(seed)``).

    Returns:
        A ``bool`` array of shape ``shape``.
    """
    raise NotImplementedError("dropout_mask: your code here")


def dropout(x, rate, mask, training=False):
    """``keras.layers.Dropout(rate)(x, training=training)`` with the keep-mask given.

    Training (``training=True``), inverted dropout::

        out = where(mask, x * scale, 0)      scale = 1 / (1 - rate)

    * ``scale`` is computed in Python floats, then applied in ``x``'s dtype
      (``x * (1 / (1 - rate))``; ``x / (1 - rate)`` is accepted too).
    * ``x * mask / (1 - rate)`` is correct too: inputs are finite. (Keras SELECTS
      rather than multiplies, so its dropped entries stay exactly 0 even where ``x``
      is inf or NaN; that is never graded, only noted.)
    * ``rate == 0`` returns ``x`` unchanged; ``rate == 1`` returns all zeros (no
      division by zero).

    Inference (``training=False``, the default): ``x`` unchanged; no mask and no
    scaling (that is why the training output is scaled up).

    Args:
        x: array of any shape S (float32 or float64).
        rate: float in [0, 1], the fraction of entries to drop.
        mask: ``bool`` array of shape S, True where the entry is kept (e.g. from
            ``dropout_mask``).
        training: bool, whether the layer is in training mode (Keras default False).

    Returns:
        An array of shape S, in ``x``'s dtype.
    """
    raise NotImplementedError("dropout: your code here")
