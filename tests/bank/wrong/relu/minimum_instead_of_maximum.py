# feedback: min(0, z)
# mistake: relu.minimum
import numpy as np


def relu(z):
    return np.minimum(0, z)
