# feedback: la sortie est une copie de l'entrée theta
# credit: no_work
import numpy as np


def numerical_gradient(f, theta, epsilon=1e-7):
    grad = theta.copy()
    return grad
