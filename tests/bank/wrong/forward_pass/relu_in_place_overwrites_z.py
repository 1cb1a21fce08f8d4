# feedback: mis en cache après l'activation
import numpy as np


def softmax(Z):
    expZ = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return expZ / np.sum(expZ, axis=-1, keepdims=True)


def forward_pass(X, parameters):
    L = len(parameters) // 2
    cache = {"A0": X}
    A = X
    for l in range(1, L + 1):
        Z = A @ parameters[f"W{l}"].T + parameters[f"b{l}"]
        cache[f"Z{l}"] = Z
        if l < L:
            A = np.maximum(Z, 0, out=Z)  # saves memory... and overwrites the cached Z
        else:
            A = softmax(Z)
        cache[f"A{l}"] = A
    return A, cache
