# feedback: c'est ReLU
# mistake: leaky_relu.slope_zero
import numpy as np


def leaky_relu(z, alpha=0.01):
    return np.maximum(0, z)
