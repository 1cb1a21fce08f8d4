import numpy as np


def backward_pass(y_true, cache, parameters):
    m = y_true.shape[0]
    L = len(parameters) // 2
    grads = {}
    for l in range(1, L + 1):
        grads[f"dW{l}"] = np.zeros_like(parameters[f"W{l}"])
        grads[f"db{l}"] = np.zeros_like(parameters[f"b{l}"])
    for i in range(m):
        delta = cache[f"A{L}"][i] - y_true[i]  # (d_L,)
        for l in range(L, 0, -1):
            a_prev = cache[f"A{l-1}"][i]
            grads[f"dW{l}"] += np.outer(delta, a_prev) / m
            grads[f"db{l}"] += delta / m
            if l > 1:
                delta = (parameters[f"W{l}"].T @ delta) * (cache[f"Z{l-1}"][i] > 0)
    return grads
