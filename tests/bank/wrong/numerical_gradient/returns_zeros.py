# feedback: la sortie est nulle partout
# feedback: f n'est jamais appelée
# credit: no_work
# mistake: -
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    return np.zeros_like(theta, dtype=float)
