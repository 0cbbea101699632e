import numpy as np

def l1_penalty(weights, l1=0.01)
    return l1
