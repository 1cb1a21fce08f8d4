# feedback: la sortie est une copie de l'entrée z
# credit: no_work
import numpy as np


def relu(z):
    return np.asarray(z, dtype=float)
