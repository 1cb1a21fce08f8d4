# feedback: a été modifié
import numpy as np


def relu(z):
    z[z < 0] = 0
    return z
