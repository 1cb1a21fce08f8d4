# feedback: ici ils changent à chaque exemple
import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    direction = 1 if y_i == 1 else -1
    w = w + learning_rate * direction * x_i
    b = b + learning_rate * direction
    return w, b
