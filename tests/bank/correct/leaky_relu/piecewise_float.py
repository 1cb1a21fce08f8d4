import numpy as np


def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.piecewise(z, [z > 0], [lambda v: v, lambda v: alpha * v])
