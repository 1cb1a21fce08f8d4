# feedback: pas |z|
import numpy as np


def relu(z):
    return np.abs(z)
