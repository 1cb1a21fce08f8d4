# feedback: la couche de sortie utilise softmax
# credit: partial
import numpy as np


def forward_pass(X, parameters):
    L = len(parameters) // 2
    cache = {"A0": X}
    A = X
    for l in range(1, L + 1):
        Z = A @ parameters[f"W{l}"].T + parameters[f"b{l}"]
        A = np.maximum(0, Z)
        cache[f"Z{l}"] = Z
        cache[f"A{l}"] = A
    return A, cache
