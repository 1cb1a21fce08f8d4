import numpy as np


def tanh(z):
    s = 0.5 * (1 + np.tanh(z))  # σ(2z), computed stably
    return 2 * s - 1
