import numpy as np


def sigmoid_derivative(z):
    z = np.asarray(z, dtype=float)
    s = np.piecewise(z, [z >= 0], [lambda v: 1 / (1 + np.exp(-v)), lambda v: np.exp(v) / (1 + np.exp(v))])
    return s * (1 - s)
