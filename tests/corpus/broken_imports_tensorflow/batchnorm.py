"""Batch norm: I let TensorFlow compute the moments, it is what Keras does anyway."""
import numpy as np
import tensorflow as tf


def batchnorm_train(x, gamma, beta, moving_mean, moving_variance,
                    momentum=0.99, epsilon=1e-3):
    axes = list(range(x.ndim - 1))
    mean, var = tf.nn.moments(tf.constant(x), axes=axes)
    mean, var = mean.numpy(), var.numpy()
    y = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    return (y, momentum * moving_mean + (1 - momentum) * mean,
            momentum * moving_variance + (1 - momentum) * var)


def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    return gamma * (x - moving_mean) / np.sqrt(moving_variance + epsilon) + beta
