# feedback: dtype
import numpy as np


def backward_pass(y_true, cache, parameters):
    m = y_true.shape[0]
    L = len(parameters) // 2
    grads = {}
    dZ = np.zeros_like(y_true)  # integer when the labels are
    dZ[:] = cache[f"A{L}"] - y_true
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ.T @ cache[f"A{l - 1}"] / m
        grads[f"db{l}"] = np.sum(dZ, axis=0, keepdims=True) / m
        if l > 1:
            dZ = (dZ @ parameters[f"W{l}"]) * (cache[f"Z{l - 1}"] > 0)
    return grads
