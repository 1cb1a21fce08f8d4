import numpy as np


def leaky_relu(z, alpha=0.01):
    out = np.array(z, dtype=float)  # a float copy: scaling it in place is safe
    out[out <= 0] *= alpha
    return out
