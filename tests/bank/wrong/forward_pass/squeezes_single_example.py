# feedback: m = 1
import numpy as np


def forward_pass(X, parameters):
    L = len(parameters) // 2
    A = X
    cache = {"A0": X}
    for l in range(1, L + 1):
        Z = np.squeeze(A @ parameters[f"W{l}"].T + parameters[f"b{l}"])
        if l < L:
            A = np.maximum(Z, 0)
        else:
            e = np.exp(Z - Z.max(axis=-1, keepdims=True))
            A = e / e.sum(axis=-1, keepdims=True)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache
