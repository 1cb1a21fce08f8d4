import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.empty_like(theta, dtype=float)
    with np.nditer(theta, flags=["multi_index"], op_flags=["readwrite"]) as it:
        for x in it:
            old_value = x.copy()  # x is a view of the entry
            x[...] = old_value + epsilon
            loss_plus = f(theta)
            x[...] = old_value - epsilon
            loss_minus = f(theta)
            x[...] = old_value
            grad[it.multi_index] = (loss_plus - loss_minus) / (2 * epsilon)
    return grad
