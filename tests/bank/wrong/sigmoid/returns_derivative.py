# feedback: c'est la dérivée σ'(z)
import numpy as np


def sigmoid(z):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)
