# feedback: vous renvoyez tanh(z)
import numpy as np


def tanh_derivative(z):
    return np.tanh(z)
