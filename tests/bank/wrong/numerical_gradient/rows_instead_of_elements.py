# feedback: ligne entière
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros(theta.shape)
    for i in range(len(theta)):
        old = theta[i].copy()
        theta[i] = old + epsilon
        loss_plus = f(theta)
        theta[i] = old - epsilon
        loss_minus = f(theta)
        theta[i] = old
        grad[i] = (loss_plus - loss_minus) / (2 * epsilon)
    return grad
