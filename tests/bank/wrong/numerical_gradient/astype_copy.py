# feedback: fausses quand f lit θ par une fermeture
# feedback: vous les faites sur une copie de θ
# credit: partial
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    theta = theta.astype(np.float64)  # astype copies, even when theta is already float64
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
