# feedback: mais divisée par 2ε
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    # f moved by ε·|θᵢ|, the quotient divided by 2ε as in éq. 57.
    grad = np.zeros(theta.shape)
    for idx in np.ndindex(theta.shape):
        old = theta[idx]
        theta[idx] = old + epsilon * abs(old)
        loss_plus = f(theta)
        theta[idx] = old - epsilon * abs(old)
        loss_minus = f(theta)
        theta[idx] = old
        grad[idx] = (loss_plus - loss_minus) / (2 * epsilon)
    return grad
