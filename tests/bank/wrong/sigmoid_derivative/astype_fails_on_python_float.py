# feedback: pour un nombre z
# feedback: AttributeError
import numpy as np


def sigmoid_derivative(z):
    s = 1 / (1 + np.exp(-z.astype(float)))
    return s * (1 - s)
