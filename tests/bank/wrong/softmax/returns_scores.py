# feedback: la sortie est une copie de l'entrée Z
# credit: no_work
import numpy as np


def softmax(Z):
    return np.array(Z, dtype=float)
