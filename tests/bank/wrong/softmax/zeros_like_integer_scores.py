# feedback: dtype
import numpy as np


def softmax(Z):
    out = np.zeros_like(Z)  # inherits an integer dtype from integer scores
    expZ = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    out[...] = expZ / np.sum(expZ, axis=-1, keepdims=True)
    return out
