# feedback: différence décentrée (f(θ) − f(θ−ε))/ε
# credit: near_miss
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros(theta.shape)
    for idx in np.ndindex(theta.shape):
        f_here = f(theta)
        old = theta[idx]
        theta[idx] = old - epsilon
        f_minus = f(theta)
        theta[idx] = old
        grad[idx] = (f_here - f_minus) / epsilon
    return grad
