# feedback: a été modifié
import numpy as np


def sigmoid(z):
    z *= -1
    return 1 / (1 + np.exp(z))
