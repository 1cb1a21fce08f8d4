# feedback: pour un nombre z
# feedback: AttributeError
import numpy as np


def relu(z):
    return np.array([max(0.0, v) for v in z.ravel()]).reshape(z.shape)
