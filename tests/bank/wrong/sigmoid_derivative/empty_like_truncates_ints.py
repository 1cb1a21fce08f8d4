# feedback: tronquées
# feedback: np.empty_like(z)
import numpy as np


def sigmoid_derivative(z):
    s = np.empty_like(z)
    s[...] = 1 / (1 + np.exp(-z))
    return s * (1 - s)
