import numpy as np


def tanh(z):
    # tanh(z) = 2σ(2z) − 1 (eq. 4), with σ written stably.
    s = np.exp(-np.logaddexp(0.0, -2.0 * np.asarray(z, dtype=float)))
    return 2.0 * s - 1.0
