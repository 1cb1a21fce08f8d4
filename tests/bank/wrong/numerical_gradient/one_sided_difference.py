# feedback: différence décentrée (f(θ+ε) − f(θ))/ε
# credit: near_miss
# mistake: numerical_gradient.one_sided_forward
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros(theta.shape)
    f0 = f(theta)
    for idx in np.ndindex(theta.shape):
        old = theta[idx]
        theta[idx] = old + epsilon
        grad[idx] = (f(theta) - f0) / epsilon
        theta[idx] = old
    return grad
