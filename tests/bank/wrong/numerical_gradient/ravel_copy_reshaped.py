# feedback: fausses quand f lit θ par une fermeture
# feedback: vous les faites sur une copie de θ
# credit: partial
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    flat = theta.ravel().copy()  # "to leave theta untouched"
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + epsilon
        loss_plus = f(flat.reshape(theta.shape))
        flat[i] = old - epsilon
        loss_minus = f(flat.reshape(theta.shape))
        flat[i] = old
        grad[i] = (loss_plus - loss_minus) / (2 * epsilon)
    return grad.reshape(theta.shape)
