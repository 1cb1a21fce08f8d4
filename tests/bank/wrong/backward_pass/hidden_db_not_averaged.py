# feedback: couche de sortie
# credit: partial
import numpy as np


def backward_pass(y_true, cache, parameters):
    m = y_true.shape[0]
    L = len(parameters) // 2
    grads = {}
    dZ = cache[f"A{L}"] - y_true
    grads[f"dW{L}"] = dZ.T @ cache[f"A{L - 1}"] / m
    grads[f"db{L}"] = np.sum(dZ, axis=0, keepdims=True) / m
    for l in range(L - 1, 0, -1):
        dZ = (dZ @ parameters[f"W{l + 1}"]) * (cache[f"Z{l}"] > 0)
        grads[f"dW{l}"] = dZ.T @ cache[f"A{l - 1}"] / m
        grads[f"db{l}"] = np.sum(dZ, axis=0, keepdims=True)  # 1/m forgotten here only
    return grads
