# feedback: pour z très négatif
# credit: near_miss
import numpy as np


def sigmoid_derivative(z):
    # σ'(z) = e^{-z} / (1 + e^{-z})², right on paper.
    e = np.exp(-z)
    return e / (1 + e) ** 2
