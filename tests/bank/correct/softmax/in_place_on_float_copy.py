import numpy as np


def softmax(Z):
    P = np.array(Z, dtype=float)  # a copy: the in-place steps below leave Z alone
    P -= P.max(axis=-1, keepdims=True)
    np.exp(P, out=P)
    P /= P.sum(axis=-1, keepdims=True)
    return P
