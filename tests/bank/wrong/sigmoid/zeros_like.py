# feedback: la sortie est nulle partout
# credit: no_work
# mistake: -
import numpy as np


def sigmoid(z):
    return np.zeros_like(z)
