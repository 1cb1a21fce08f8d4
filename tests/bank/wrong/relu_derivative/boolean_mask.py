# feedback: booléens
# feedback: .astype(float)
import numpy as np


def relu_derivative(z):
    return z > 0
