# feedback: tronquées
# feedback: np.ones_like(z)
import numpy as np


def leaky_relu_derivative(z, alpha=0.01):
    d = np.ones_like(z)
    d[z <= 0] = alpha
    return d
