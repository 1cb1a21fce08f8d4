import numpy as np


def sigmoid_derivative(z):
    # σ(z)(1 − σ(z)) = σ(z)σ(−z) = exp(−log(1 + e^{−z}) − log(1 + e^{z})).
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z) - np.logaddexp(0.0, z))
