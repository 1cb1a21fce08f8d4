import numpy as np


def leaky_relu_derivative(z, alpha=0.01):
    return np.where(z > 0, 1, alpha)
