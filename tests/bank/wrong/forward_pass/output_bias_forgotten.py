# feedback: couches cachées
# credit: partial
import numpy as np


def forward_pass(X, parameters):
    L = len(parameters) // 2
    A = X
    cache = {"A0": X}
    for l in range(1, L):
        Z = A @ parameters[f"W{l}"].T + parameters[f"b{l}"]
        A = np.maximum(Z, 0)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    # Output layer written apart, without its bias.
    Z = A @ parameters[f"W{L}"].T
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    A = e / e.sum(axis=1, keepdims=True)
    cache[f"Z{L}"], cache[f"A{L}"] = Z, A
    return A, cache
