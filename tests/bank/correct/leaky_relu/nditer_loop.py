import numpy as np


def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        out[idx] = z[idx] if z[idx] > 0 else alpha * z[idx]
    return out
