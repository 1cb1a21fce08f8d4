# feedback: la sortie est nulle partout
# credit: no_work
import numpy as np


def relu(z):
    return np.zeros_like(z)
