# feedback: forme stable
import numpy as np


def sigmoid_derivative(z):
    s = np.exp(z) / (1 + np.exp(z))
    return s * (1 - s)
