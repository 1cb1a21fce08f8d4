import numpy as np


def sigmoid_derivative(z):
    s = (1 / (1 + np.exp(-np.asarray(z, dtype=np.float32))))
    return s * (1 - s)
