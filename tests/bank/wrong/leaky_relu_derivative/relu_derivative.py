# feedback: c'est la dérivée de ReLU
# mistake: leaky_relu_derivative.relu_derivative
import numpy as np


def leaky_relu_derivative(z, alpha=0.01):
    return (z > 0).astype(float)
