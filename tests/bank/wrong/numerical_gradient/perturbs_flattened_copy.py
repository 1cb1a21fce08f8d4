# feedback: f a reçu chaque fois le même θ
# credit: no_work
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    flat = theta.flatten()
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + epsilon
        loss_plus = f(theta)
        flat[i] = old - epsilon
        loss_minus = f(theta)
        flat[i] = old
        grad[i] = (loss_plus - loss_minus) / (2 * epsilon)
    return grad.reshape(theta.shape)
