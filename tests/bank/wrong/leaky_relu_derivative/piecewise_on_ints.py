# feedback: tronquées
# feedback: entiers
import numpy as np


def leaky_relu_derivative(z, alpha=0.01):
    return np.piecewise(z, [z > 0], [1.0, alpha])
