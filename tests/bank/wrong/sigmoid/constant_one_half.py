# feedback: la sortie est constante
# credit: no_work
import numpy as np


def sigmoid(z):
    return np.full(np.shape(z), 0.5)
