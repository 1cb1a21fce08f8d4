# feedback: la sortie est constante
# credit: no_work
import numpy as np


def leaky_relu_derivative(z, alpha=0.01):
    return np.ones_like(z)
