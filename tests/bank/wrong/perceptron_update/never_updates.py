# feedback: w et b reviennent inchangés
# credit: no_work
import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    return w, b
