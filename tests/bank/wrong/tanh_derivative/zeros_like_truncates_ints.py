# feedback: tronquées
# feedback: np.zeros_like(z)
import numpy as np


def tanh_derivative(z):
    out = np.zeros_like(z)
    out[...] = 1 - np.tanh(z) ** 2
    return out
