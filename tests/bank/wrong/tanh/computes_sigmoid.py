# feedback: vous avez calculé σ(z)
import numpy as np


def tanh(z):
    return 1 / (1 + np.exp(-z))
