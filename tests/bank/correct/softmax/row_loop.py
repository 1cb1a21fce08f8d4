import numpy as np


def softmax(Z):
    out = np.empty(np.shape(Z))
    for idx in np.ndindex(*np.shape(Z)[:-1]):
        z = Z[idx]
        e = np.exp(z - max(z))
        total = 0.0
        for v in e:
            total += v
        out[idx] = e / total
    return out
