# feedback: pas le score w·x + b
import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    y_hat = np.dot(w, x_i) + b
    w = w + learning_rate * (y_i - y_hat) * x_i
    b = b + learning_rate * (y_i - y_hat)
    return w, b
