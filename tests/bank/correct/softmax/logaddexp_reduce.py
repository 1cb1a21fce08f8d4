import numpy as np


def softmax(Z):
    # log Σ_k e^{z_k}, computed pairwise by the stable logaddexp, then e^{z - lse}.
    lse = np.logaddexp.reduce(np.asarray(Z, dtype=float), axis=-1, keepdims=True)
    return np.exp(Z - lse)
