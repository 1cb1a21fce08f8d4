# feedback: renvoyez 0.0 au lieu de diviser 0 par 0
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros(theta.shape)
    for idx in np.ndindex(theta.shape):
        old = theta[idx]
        theta[idx] = old + epsilon
        loss_plus = f(theta)
        theta[idx] = old - epsilon
        loss_minus = f(theta)
        theta[idx] = old
        grad[idx] = (loss_plus - loss_minus) / (2 * epsilon)
    return grad


def gradient_check(f, theta, grad_analytic, epsilon=1e-7):
    grad_numeric = numerical_gradient(f, theta, epsilon)
    numerator = np.linalg.norm(grad_numeric - grad_analytic)
    return float(numerator / (np.linalg.norm(grad_numeric) + np.linalg.norm(grad_analytic)))
