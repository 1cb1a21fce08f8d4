# feedback: np.sign(w·x + b) donne −1
import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    y_hat = np.sign(np.dot(w, x_i) + b)
    if y_hat != y_i:
        w = w + learning_rate * (y_i - y_hat) * x_i
        b = b + learning_rate * (y_i - y_hat)
    return w, b
