import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    w = np.asarray(w, dtype=np.float32)
    x = np.asarray(x_i, dtype=np.float32)
    y_hat = np.where(np.dot(w, x) + b > 0, 1, 0)
    delta = learning_rate * (y_i - y_hat)
    # b kept as a 0-d array: still one real number.
    return (w + delta * x).astype(np.float32), np.asarray(b + delta)
