# feedback: la sortie est nulle partout
# credit: no_work
# mistake: -
import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    return np.zeros_like(w), 0.0
