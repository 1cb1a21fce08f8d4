import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    # np.heaviside(s, 0) is 𝕀[s > 0] with 0 on the hyperplane (eq. 1).
    y_hat = np.heaviside(np.dot(w, x_i) + b, 0.0)
    step = learning_rate * (y_i - y_hat)
    return w + step * np.asarray(x_i, dtype=float), float(b + step)
