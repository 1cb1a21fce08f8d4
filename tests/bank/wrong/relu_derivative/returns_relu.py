# feedback: vous renvoyez ReLU(z)
import numpy as np


def relu_derivative(z):
    return np.maximum(0, z)
