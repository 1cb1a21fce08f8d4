# feedback: old_value = x.copy()
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros(theta.shape)
    it = np.nditer(theta, flags=["multi_index"], op_flags=["readwrite"])
    for x in it:
        old_value = x  # a view of the entry: it changes with x
        x[...] = old_value + epsilon
        loss_plus = f(theta)
        x[...] = old_value - epsilon
        loss_minus = f(theta)
        x[...] = old_value
        grad[it.multi_index] = (loss_plus - loss_minus) / (2 * epsilon)
    return grad
