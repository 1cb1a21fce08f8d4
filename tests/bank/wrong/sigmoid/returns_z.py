# feedback: la sortie est une copie de l'entrée z
# credit: no_work
import numpy as np


def sigmoid(z):
    return np.array(z, dtype=float)
