# feedback: pour un nombre z
import numpy as np


def tanh(z):
    out = np.empty(np.shape(z))
    for i in range(len(z)):
        out[i] = np.tanh(z[i])
    return out
