# feedback: la sortie est une copie de l'entrée z
# credit: no_work
import numpy as np


def relu_derivative(z):
    return z.copy()
