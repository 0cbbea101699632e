# ruff: noqa  (a deliberately hostile test submission)
import tensorflow as tf


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    opt = tf.keras.optimizers.SGD(learning_rate, momentum=momentum)
    return param, velocity
