# feedback: justes pour z > 0, fausses ailleurs
# credit: partial
import numpy as np


def sigmoid_derivative(z):
    e = np.exp(-np.abs(z))
    # The z < 0 branch returns σ(z), not σ(z)(1 − σ(z)).
    return np.where(z >= 0, e / (1 + e) ** 2, e / (1 + e))
