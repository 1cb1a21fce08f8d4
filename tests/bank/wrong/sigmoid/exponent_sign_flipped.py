# feedback: le signe de l'exposant est inversé
# mistake: sigmoid.exponent_sign
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(z))
