# feedback: le signe de la mise à jour est inversé
# mistake: perceptron_update.update_sign_flipped
import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    y_hat = 1 if np.dot(w, x_i) + b > 0 else 0
    error = y_hat - y_i
    w = w + learning_rate * error * x_i
    b = b + learning_rate * error
    return w, b
