import numpy as np


# numerical_gradient divides by ε instead of 2ε; gradient_check itself is right.
def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros_like(theta, dtype=float)
    for idx in np.ndindex(theta.shape):
        old = theta[idx]
        theta[idx] = old + epsilon
        plus = f(theta)
        theta[idx] = old - epsilon
        minus = f(theta)
        theta[idx] = old
        grad[idx] = (plus - minus) / epsilon
    return grad


def gradient_check(f, theta, grad_analytic, epsilon=1e-7):
    num = numerical_gradient(f, theta, epsilon)
    top = np.linalg.norm(num - grad_analytic)
    bottom = np.linalg.norm(num) + np.linalg.norm(grad_analytic)
    return float(np.divide(top, bottom, out=np.zeros(()), where=bottom > 0))
