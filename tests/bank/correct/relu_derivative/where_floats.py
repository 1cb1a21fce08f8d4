import numpy as np


def relu_derivative(z):
    return np.where(np.asarray(z) > 0, 1.0, 0.0)
