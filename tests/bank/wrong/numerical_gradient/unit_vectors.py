# feedback: fausses quand f lit θ par une fermeture
# feedback: vous les faites sur une copie de θ
# credit: partial
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    n = theta.size
    basis = np.eye(n)
    values = []
    for i in range(n):
        e = basis[i].reshape(theta.shape)
        values.append(0.5 * (f(theta + epsilon * e) - f(theta - epsilon * e)) / epsilon)
    return np.array(values).reshape(theta.shape)
