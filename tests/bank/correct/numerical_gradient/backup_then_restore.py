import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    backup = theta.copy()  # only to restore theta: f is always given theta itself
    grad = np.zeros(theta.shape)
    for idx in np.ndindex(theta.shape):
        theta[idx] = backup[idx] + epsilon
        f_plus = f(theta)
        theta[idx] = backup[idx] - epsilon
        f_minus = f(theta)
        theta[idx] = backup[idx]
        grad[idx] = (f_plus - f_minus) / (2 * epsilon)
    theta[...] = backup
    return grad
