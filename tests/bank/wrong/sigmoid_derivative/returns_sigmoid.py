# feedback: vous renvoyez σ(z)
# mistake: sigmoid_derivative.returns_sigmoid
import numpy as np


def sigmoid_derivative(z):
    return 1 / (1 + np.exp(-z))
