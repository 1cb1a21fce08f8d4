import numpy as np


def sigmoid(z):
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(np.asarray(z) >= 0, 1 / (1 + e), e / (1 + e))
