# feedback: le carré manque
import numpy as np


def tanh_derivative(z):
    return 1 - np.tanh(z)
