import math

import numpy as np


def tanh(z):
    z = np.asarray(z, dtype=float)
    out = np.zeros_like(z)  # float, since z was cast first
    for idx in np.ndindex(z.shape):
        out[idx] = math.tanh(z[idx])
    return out
