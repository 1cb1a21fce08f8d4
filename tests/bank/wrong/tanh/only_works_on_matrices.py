# feedback: IndexError
import numpy as np


def tanh(z):
    out = np.empty_like(z)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            out[i, j] = np.tanh(z[i, j])
    return out
