# feedback: la sortie est constante
# credit: no_work
import numpy as np


def tanh_derivative(z):
    return np.ones(np.shape(z))
