import numpy as np


def relu(z):
    z = np.asarray(z, dtype=float)
    return np.piecewise(z, [z > 0], [lambda v: v, 0.0])
