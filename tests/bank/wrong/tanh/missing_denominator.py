# feedback: dénominateur
import numpy as np


def tanh(z):
    return (np.exp(z) - np.exp(-z)) / 2
