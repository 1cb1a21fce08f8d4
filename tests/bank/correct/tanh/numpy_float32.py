import numpy as np


def tanh(z):
    return np.tanh(z).astype(np.float32)
