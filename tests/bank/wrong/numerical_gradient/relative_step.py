# feedback: pas relatif
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    # A step relative to the entry, ε·|θᵢ|, instead of éq. 57's ε.
    grad = np.zeros(theta.shape)
    for idx in np.ndindex(theta.shape):
        old = theta[idx]
        step = epsilon * abs(old)
        theta[idx] = old + step
        loss_plus = f(theta)
        theta[idx] = old - step
        loss_minus = f(theta)
        theta[idx] = old
        grad[idx] = (loss_plus - loss_minus) / (2 * step)
    return grad
