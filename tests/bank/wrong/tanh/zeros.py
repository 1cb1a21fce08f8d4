# feedback: la sortie est nulle partout
# credit: no_work
# mistake: -
import numpy as np


def tanh(z):
    return np.zeros(np.shape(z))
