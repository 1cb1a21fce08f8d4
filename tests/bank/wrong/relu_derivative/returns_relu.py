# feedback: vous renvoyez ReLU(z)
# mistake: relu_derivative.returns_relu
import numpy as np


def relu_derivative(z):
    return np.maximum(0, z)
