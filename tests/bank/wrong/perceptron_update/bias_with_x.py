# feedback: x_i n'intervient pas dans sa mise à jour
import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    y_hat = 1 if np.dot(w, x_i) + b > 0 else 0
    w = w + learning_rate * (y_i - y_hat) * x_i
    b = b + learning_rate * (y_i - y_hat) * x_i
    return w, b
