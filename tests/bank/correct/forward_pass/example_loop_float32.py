import numpy as np


def forward_pass(X, parameters):
    L = len(parameters) // 2
    A = np.asarray(X, dtype=np.float32)
    cache = {"A0": A}
    for l in range(1, L + 1):
        W = parameters[f"W{l}"].astype(np.float32)
        b = parameters[f"b{l}"].astype(np.float32).ravel()
        Z = np.empty((A.shape[0], W.shape[0]), dtype=np.float32)
        for i in range(A.shape[0]):
            Z[i] = W @ A[i] + b
        if l < L:
            A = Z * (Z > 0)
        else:
            e = np.exp(Z - Z.max(axis=-1, keepdims=True))
            A = e / e.sum(axis=-1, keepdims=True)
        cache[f"Z{l}"] = Z
        cache[f"A{l}"] = A
    return A, cache
