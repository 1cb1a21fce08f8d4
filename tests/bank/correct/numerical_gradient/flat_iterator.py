import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros(theta.shape)
    for k in range(theta.size):
        old = theta.flat[k]
        theta.flat[k] = old + epsilon
        up = f(theta)
        theta.flat[k] = old - epsilon
        down = f(theta)
        theta.flat[k] = old
        grad.flat[k] = (up - down) / (2 * epsilon)
    return grad
