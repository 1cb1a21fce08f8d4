# feedback: la sortie est une copie de l'entrée z
# credit: no_work
import numpy as np


def leaky_relu(z, alpha=0.01):
    return z + 0.0
