# feedback: le facteur (1 − σ(z)) manque
import numpy as np


def sigmoid_derivative(z):
    s = 1 / (1 + np.exp(-z))
    return s * s
