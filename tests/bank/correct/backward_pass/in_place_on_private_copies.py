import numpy as np


def backward_pass(y_true, cache, parameters):
    m = y_true.shape[0]
    L = len(parameters) // 2
    grads = {}
    dZ = cache[f"A{L}"].copy()
    dZ -= y_true
    dZ /= m
    for l in range(L, 0, -1):
        dW = dZ.T @ cache[f"A{l-1}"]
        db = dZ.sum(axis=0, keepdims=True)
        grads[f"dW{l}"], grads[f"db{l}"] = dW.astype(np.float32), db.astype(np.float32)
        if l > 1:
            dZ = dZ @ parameters[f"W{l}"]
            dZ[cache[f"Z{l-1}"] <= 0] = 0.0
    return grads
