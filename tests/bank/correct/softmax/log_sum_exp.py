import numpy as np


def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    m = np.max(Z, axis=-1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(Z - m), axis=-1, keepdims=True))
    return np.exp(Z - lse)
