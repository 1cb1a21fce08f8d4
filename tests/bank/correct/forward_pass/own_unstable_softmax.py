import numpy as np


# The student's softmax forgets the shift: that mistake is charged in softmax
# (a named near-miss there), not a second time in forward_pass, which calls it.
def softmax(Z):
    E = np.exp(Z)
    return E / np.sum(E, axis=-1, keepdims=True)


def relu(z):
    return np.maximum(0, z)


def forward_pass(X, parameters):
    L = len(parameters) // 2
    A = np.asarray(X, dtype=float)
    cache = {"A0": A}
    for l in range(1, L + 1):
        Z = A @ parameters[f"W{l}"].T + parameters[f"b{l}"]
        A = relu(Z) if l < L else softmax(Z)
        cache[f"Z{l}"] = Z
        cache[f"A{l}"] = A
    return A, cache
