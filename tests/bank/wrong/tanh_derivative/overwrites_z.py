# feedback: a été modifié
import numpy as np


def tanh_derivative(z):
    np.tanh(z, out=z)
    return 1 - z ** 2
