# feedback: forme stable
# feedback: pour z très positif
# credit: near_miss
import numpy as np


def sigmoid_derivative(z):
    s = np.exp(z) / (1 + np.exp(z))
    return s * (1 - s)
