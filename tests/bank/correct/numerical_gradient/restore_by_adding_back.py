import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = np.zeros(theta.shape)
    flat = theta.reshape(-1)  # a view: perturbing it perturbs theta
    g = grad.reshape(-1)
    for i in range(flat.size):
        flat[i] += epsilon
        f_plus = f(theta)
        flat[i] -= 2 * epsilon
        f_minus = f(theta)
        flat[i] += epsilon  # back to the start, up to rounding
        g[i] = (f_plus - f_minus) / (2 * epsilon)
    return grad
