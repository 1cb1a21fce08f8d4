# feedback: y compris en z = 0
import numpy as np


def relu_derivative(z):
    return (z >= 0).astype(float)
