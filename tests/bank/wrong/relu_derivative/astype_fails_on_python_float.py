# feedback: pour un nombre z
# feedback: AttributeError
import numpy as np


def relu_derivative(z):
    return (z > 0).astype(float)
