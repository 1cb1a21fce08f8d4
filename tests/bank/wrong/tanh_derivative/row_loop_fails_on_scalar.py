# feedback: pour un nombre z
import numpy as np


def tanh_derivative(z):
    out = np.empty(np.shape(z))
    for i in range(len(z)):
        out[i] = 1 - np.tanh(z[i]) ** 2
    return out
