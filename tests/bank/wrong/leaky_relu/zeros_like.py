# feedback: la sortie est nulle partout
# credit: no_work
import numpy as np


def leaky_relu(z, alpha=0.01):
    return np.zeros_like(z)
