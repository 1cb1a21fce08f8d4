# feedback: 2σ(z) − 1
import numpy as np


def tanh(z):
    return 2 / (1 + np.exp(-z)) - 1
