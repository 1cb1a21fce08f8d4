import numpy as np


def relu_derivative(z):
    z = np.asarray(z, dtype=float)
    return np.piecewise(z, [z > 0], [1.0, 0.0])
