# feedback: fausses quand f lit θ par une fermeture
# feedback: une partie des évaluations de f se fait sur une copie de θ
# credit: partial
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros(theta.shape)
    for idx in np.ndindex(theta.shape):
        e = np.zeros(theta.shape)
        e[idx] = epsilon
        old = theta[idx]
        theta[idx] = old + epsilon
        loss_plus = f(theta)
        theta[idx] = old
        loss_minus = f(theta - e)
        grad[idx] = (loss_plus - loss_minus) / (2 * epsilon)
    return grad
