# feedback: epsilon semble ignoré
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    eps = 1e-7
    grad = np.zeros(theta.shape)
    for idx in np.ndindex(theta.shape):
        old = theta[idx]
        theta[idx] = old + eps
        loss_plus = f(theta)
        theta[idx] = old - eps
        loss_minus = f(theta)
        theta[idx] = old
        grad[idx] = (loss_plus - loss_minus) / (2 * eps)
    return grad
