# feedback: fausses quand f lit θ par une fermeture
# feedback: vous les faites sur une copie de θ
# credit: partial
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    shape = theta.shape
    flat = theta.flatten()
    grad = np.zeros_like(flat)
    for i in range(len(flat)):
        flat[i] += epsilon
        f_plus = f(flat.reshape(shape))
        flat[i] -= 2 * epsilon
        f_minus = f(flat.reshape(shape))
        flat[i] += epsilon
        grad[i] = (f_plus - f_minus) / (2 * epsilon)
    return grad.reshape(shape)
