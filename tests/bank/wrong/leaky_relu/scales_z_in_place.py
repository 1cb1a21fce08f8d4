# feedback: a été modifié
import numpy as np


def leaky_relu(z, alpha=0.01):
    z[z <= 0] *= alpha
    return z
