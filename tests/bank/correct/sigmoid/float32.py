import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float32)
    return (1 / (1 + np.exp(-z))).astype(np.float32)
