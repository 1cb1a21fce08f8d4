# feedback: la sortie est constante
# credit: no_work
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    return np.full(theta.shape, float(f(theta)))
