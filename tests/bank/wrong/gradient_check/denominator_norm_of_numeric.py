# feedback: pas ‖num‖ seul
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
    return np.linalg.norm(grad_numeric - grad_analytic) / np.linalg.norm(grad_numeric)
