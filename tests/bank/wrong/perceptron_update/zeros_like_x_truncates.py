# feedback: entiers
# feedback: tronqu
# feedback: np.zeros_like(x_i)
import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    y_hat = 1 if np.dot(w, x_i) + b > 0 else 0
    new_w = np.zeros_like(x_i)
    new_w[:] = w + learning_rate * (y_i - y_hat) * x_i
    return new_w, b + learning_rate * (y_i - y_hat)
