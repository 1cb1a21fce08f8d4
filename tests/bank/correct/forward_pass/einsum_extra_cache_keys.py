import numpy as np


def forward_pass(X, parameters):
    L = len(parameters) // 2
    cache = {"A0": X}
    A = X
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = np.einsum("md,kd->mk", A, W) + b
        if l < L:
            A = np.where(Z > 0, Z, 0.0)
        else:
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = E / E.sum(axis=1, keepdims=True)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        cache[f"W{l}"] = W  # kept for the backward pass
    return A, cache
