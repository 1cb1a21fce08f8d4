# feedback: entiers
# feedback: tronquées
# feedback: np.zeros_like(z)
import numpy as np


def sigmoid(z):
    out = np.zeros_like(z)
    out[...] = 1 / (1 + np.exp(-z))
    return out
