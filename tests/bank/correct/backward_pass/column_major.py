import numpy as np


def backward_pass(y_true, cache, parameters):
    # One example per column inside (δ of shape (d_l, m)), as in some textbooks.
    m = y_true.shape[0]
    L = len(parameters) // 2
    grads = {}
    delta = (cache[f"A{L}"] - y_true).T
    for l in range(L, 0, -1):
        A_prev = cache[f"A{l - 1}"].T
        grads[f"dW{l}"] = delta @ A_prev.T / m
        grads[f"db{l}"] = delta.mean(axis=1, keepdims=True).T
        if l > 1:
            delta = (parameters[f"W{l}"].T @ delta) * (cache[f"Z{l - 1}"].T > 0)
    return grads
