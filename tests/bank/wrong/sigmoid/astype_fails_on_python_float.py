# feedback: pour un nombre z
# feedback: AttributeError
import numpy as np


def sigmoid(z):
    z = z.astype(float)
    return np.exp(-np.logaddexp(0.0, -z))
