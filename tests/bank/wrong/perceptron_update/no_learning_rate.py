# feedback: le taux d'apprentissage α manque : w ← w
# mistake: perceptron_update.missing_learning_rate
import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    y_hat = 1 if np.dot(w, x_i) + b > 0 else 0
    if y_hat != y_i:
        w = w + (y_i - y_hat) * x_i
        b = b + (y_i - y_hat)
    return w, b
