# feedback: pour z très négatif
# feedback: inf/inf
# credit: near_miss
# mistake: sigmoid.overflow
import numpy as np


def sigmoid(z):
    e = np.exp(-z)
    return 1 - e / (1 + e)
