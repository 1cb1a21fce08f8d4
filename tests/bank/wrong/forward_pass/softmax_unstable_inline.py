# feedback: e^{1000} déborde
# credit: near_miss
# mistake: forward_pass.no_max_shift
import numpy as np


def forward_pass(X, parameters):
    # softmax written inline, without the shift by the row maximum.
    L = len(parameters) // 2
    A = np.asarray(X, dtype=float)
    cache = {"A0": A}
    for l in range(1, L + 1):
        Z = A @ parameters[f"W{l}"].T + parameters[f"b{l}"]
        if l < L:
            A = np.maximum(0, Z)
        else:
            E = np.exp(Z)
            A = E / np.sum(E, axis=1, keepdims=True)
        cache[f"Z{l}"] = Z
        cache[f"A{l}"] = A
    return A, cache
