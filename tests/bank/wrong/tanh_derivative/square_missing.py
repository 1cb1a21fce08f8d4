# feedback: le carré manque
# mistake: tanh_derivative.missing_square
import numpy as np


def tanh_derivative(z):
    return 1 - np.tanh(z)
