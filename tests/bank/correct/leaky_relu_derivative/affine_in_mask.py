import numpy as np


def leaky_relu_derivative(z, alpha=0.01):
    # α + (1 − α)·𝕀[z > 0]: α where z ≤ 0, 1 where z > 0.
    return alpha + (1.0 - alpha) * (np.asarray(z) > 0)
