# feedback: a été modifié
import numpy as np


def tanh(z):
    return np.tanh(z, out=z)
