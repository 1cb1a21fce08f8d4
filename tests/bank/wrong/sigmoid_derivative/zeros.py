# feedback: la sortie est nulle partout
# credit: no_work
# mistake: -
import numpy as np


def sigmoid_derivative(z):
    return 0 * z
