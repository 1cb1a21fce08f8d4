# feedback: c'est Z[l] qui est transmis à la couche suivante
import numpy as np


def forward_pass(X, parameters):
    L = len(parameters) // 2
    cache = {"A0": np.asarray(X, dtype=float)}
    inputs = cache["A0"]
    for l in range(1, L + 1):
        Z = inputs @ parameters[f"W{l}"].T + parameters[f"b{l}"]
        if l < L:
            A = np.maximum(0, Z)
        else:
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = E / E.sum(axis=1, keepdims=True)
        cache[f"Z{l}"] = Z
        cache[f"A{l}"] = A
        inputs = Z  # the pre-activation goes on, not A
    return A, cache
