# feedback: booléens
# feedback: .astype(float)
import numpy as np


def relu_derivative(z):
    return np.greater(z, 0)
