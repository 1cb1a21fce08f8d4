import numpy as np


def sigmoid(z):
    # σ(z) = e^z / (1 + e^z) = exp(z − log(1 + e^z)), never overflowing.
    z = np.asarray(z, dtype=float)
    return np.exp(z - np.logaddexp(0.0, z))
