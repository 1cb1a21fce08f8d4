import numpy as np


def leaky_relu_derivative(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    out = np.empty(z.shape)
    for idx in np.ndindex(z.shape):
        out[idx] = 1.0 if z[idx] > 0 else alpha
    return out
