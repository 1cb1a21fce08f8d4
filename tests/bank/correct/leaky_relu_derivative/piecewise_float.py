import numpy as np


def leaky_relu_derivative(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.piecewise(z, [z > 0], [1.0, alpha])
