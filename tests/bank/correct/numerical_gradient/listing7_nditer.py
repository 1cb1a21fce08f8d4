import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros_like(theta)
    it = np.nditer(theta, flags=['multi_index'])
    while not it.finished:
        idx = it.multi_index
        old_value = theta[idx]
        theta[idx] = old_value + epsilon
        loss_plus = f(theta)
        theta[idx] = old_value - epsilon
        loss_minus = f(theta)
        grad[idx] = (loss_plus - loss_minus) / (2 * epsilon)
        theta[idx] = old_value
        it.iternext()
    return grad
