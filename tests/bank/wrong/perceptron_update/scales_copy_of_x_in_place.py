# feedback: entiers
# feedback: UFuncTypeError
import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    y_hat = 1 if np.dot(w, x_i) + b > 0 else 0
    step = x_i.copy()
    step *= learning_rate * (y_i - y_hat)
    return w + step, b + learning_rate * (y_i - y_hat)
