# feedback: la sortie est une copie de l'entrée z
# credit: no_work
import numpy as np


def tanh_derivative(z):
    return z * 1.0
