# feedback: fausses quand f lit θ par une fermeture
# feedback: vous les faites sur une copie de θ
# credit: partial
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.empty(theta.shape)
    for idx in np.ndindex(*theta.shape):
        plus = theta.copy()
        minus = theta.copy()
        plus[idx] += epsilon
        minus[idx] -= epsilon
        grad[idx] = (f(plus) - f(minus)) / 2 / epsilon
    return grad
