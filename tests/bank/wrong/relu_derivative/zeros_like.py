# feedback: la sortie est nulle partout
# credit: no_work
import numpy as np


def relu_derivative(z):
    return np.zeros_like(z)
