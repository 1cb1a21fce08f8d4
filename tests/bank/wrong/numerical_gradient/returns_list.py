# feedback: attendu un numpy.ndarray
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = []
    for idx in np.ndindex(theta.shape):
        old = theta[idx]
        theta[idx] = old + epsilon
        loss_plus = f(theta)
        theta[idx] = old - epsilon
        loss_minus = f(theta)
        theta[idx] = old
        grad.append((loss_plus - loss_minus) / (2 * epsilon))
    return grad
