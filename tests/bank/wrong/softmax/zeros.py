# feedback: la sortie est nulle partout
# credit: no_work
import numpy as np


def softmax(Z):
    return np.zeros(np.shape(Z))
