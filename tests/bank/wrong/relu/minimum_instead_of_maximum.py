# feedback: min(0, z)
import numpy as np


def relu(z):
    return np.minimum(0, z)
