# feedback: a été modifié
import numpy as np


def relu_derivative(z):
    z[z > 0] = 1
    z[z <= 0] = 0
    return z
