# feedback: « learning_rate or 0.1 »
import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    learning_rate = learning_rate or 0.1  # α = 0 is taken for no value
    y_hat = 1 if np.dot(w, x_i) + b > 0 else 0
    error = y_i - y_hat
    return w + learning_rate * error * x_i, b + learning_rate * error
