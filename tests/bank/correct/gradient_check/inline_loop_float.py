import numpy as np


def gradient_check(f, theta, grad_analytic, epsilon=1e-7):
    num = np.zeros(theta.size)
    flat = theta.reshape(-1)
    for i in range(theta.size):
        old = flat[i]
        flat[i] = old + epsilon
        plus = f(theta)
        flat[i] = old - epsilon
        minus = f(theta)
        flat[i] = old
        num[i] = (plus - minus) / (2 * epsilon)
    ana = np.ravel(grad_analytic)
    numerator = np.sqrt(np.sum((num - ana) ** 2))
    denominator = np.sqrt(np.sum(num**2)) + np.sqrt(np.sum(ana**2))
    if denominator == 0:  # both gradients zero
        return 0.0
    return float(numerator / denominator)
