# feedback: dtype
import numpy as np


def softmax(Z):
    out = np.empty_like(Z)
    for idx in np.ndindex(*Z.shape[:-1]):
        e = np.exp(Z[idx] - Z[idx].max())
        out[idx] = e / e.sum()
    return out
