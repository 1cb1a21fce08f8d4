import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    score = float(b) + sum(float(wj) * float(xj) for wj, xj in zip(w, x_i))
    y_hat = int(score > 0)
    if y_hat == y_i:
        return np.array(w, dtype=float), float(b)
    step = learning_rate * (int(y_i) - y_hat)
    new_w = np.array([float(wj) + step * float(xj) for wj, xj in zip(w, x_i)])
    return new_w, float(b) + step
