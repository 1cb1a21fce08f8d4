# feedback: pas |z|
# mistake: relu.absolute_value
import numpy as np


def relu(z):
    return np.abs(z)
