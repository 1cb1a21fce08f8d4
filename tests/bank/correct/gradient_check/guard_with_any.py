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
    a = numerical_gradient(f, theta, epsilon)
    b = np.asarray(grad_analytic, dtype=float)
    if not a.any() and not b.any():  # 0 / 0: both gradients vanish, they agree
        return 0.0
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))
