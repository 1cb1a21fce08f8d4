# feedback: attendu un numpy.ndarray
import numpy as np


def relu(z):
    return [max(0.0, float(v)) for v in np.ravel(z)]
