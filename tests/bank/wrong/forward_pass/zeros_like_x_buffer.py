# feedback: dtype
import numpy as np


def forward_pass(X, parameters):
    L = len(parameters) // 2
    A = X
    cache = {"A0": X}
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = np.zeros_like(A, shape=(A.shape[0], W.shape[0]))
        Z += A @ W.T + b  # in place: cast to Z's dtype
        if l < L:
            A = np.maximum(Z, 0)
        else:
            e = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = e / e.sum(axis=1, keepdims=True)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache
