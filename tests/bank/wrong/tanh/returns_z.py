# feedback: la sortie est une copie de l'entrée z
# credit: no_work
import numpy as np


def tanh(z):
    return z.copy()
