# feedback: forme stable
# feedback: pour z très positif
# credit: near_miss
import numpy as np


def sigmoid(z):
    return np.exp(z) / (1 + np.exp(z))
