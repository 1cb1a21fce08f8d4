# feedback: vous renvoyez Z[L]
# feedback: couches cachées
# credit: partial
import numpy as np


def forward_pass(X, parameters):
    L = len(parameters) // 2
    A = X
    cache = {"A0": X}
    for l in range(1, L + 1):
        Z = A @ parameters[f"W{l}"].T + parameters[f"b{l}"]
        A = np.maximum(Z, 0) if l < L else Z  # softmax forgotten on the output layer
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache
