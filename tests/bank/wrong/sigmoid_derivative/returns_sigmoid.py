# feedback: vous renvoyez σ(z)
import numpy as np


def sigmoid_derivative(z):
    return 1 / (1 + np.exp(-z))
