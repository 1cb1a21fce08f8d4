# feedback: plus grande valeur singulière
# credit: partial
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
    num = numerical_gradient(f, theta, epsilon)
    # ord=2: the Euclidean norm of a vector, but the spectral norm of a matrix
    top = np.linalg.norm(num - grad_analytic, 2)
    bottom = np.linalg.norm(num, 2) + np.linalg.norm(grad_analytic, 2)
    return float(top / bottom) if bottom > 0 else 0.0
