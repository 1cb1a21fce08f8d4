import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    # w is the state: updating it in place is allowed.
    y_hat = int(w @ x_i + b > 0)
    if y_hat != y_i:
        w += learning_rate * (y_i - y_hat) * x_i
        b += learning_rate * (y_i - y_hat)
    return w, np.float64(b)
