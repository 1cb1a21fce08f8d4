import numpy as np


def forward_pass(X, parameters):
    # Computed with one example per column (Z = W A + b), transposed back for the cache.
    L = len(parameters) // 2
    A = np.asarray(X, dtype=float).T
    cache = {"A0": A.T}
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"].T
        if l < L:
            A = Z * (Z > 0)
        else:
            E = np.exp(Z - Z.max(axis=0))
            A = E / E.sum(axis=0)
        cache[f"Z{l}"], cache[f"A{l}"] = Z.T, A.T
    return A.T, cache
