"""정규화 (Regularisation): L1/L2 penalties and dropout.  (stub, not done yet)"""
import numpy as np


def l1_penalty(weights, l1=0.01):
    raise NotImplementedError("l1_penalty: write your code here")


def l1_grad(weights, l1=0.01):
    raise NotImplementedError("l1_grad: write your code here")


def l2_penalty(weights, l2=0.01):
    raise NotImplementedError("l2_penalty: write your code here")


def l2_grad(weights, l2=0.01):
    raise NotImplementedError("l2_grad: write your code here")


def dropout_mask(shape, rate, rng):
    raise NotImplementedError("dropout_mask: write your code here")


def dropout(x, rate, mask, training=False):
    raise NotImplementedError("dropout: write your code here")
