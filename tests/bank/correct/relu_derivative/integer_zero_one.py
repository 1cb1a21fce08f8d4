import numpy as np


def relu_derivative(z):
    # Integers 0 and 1 are numbers too; only booleans are refused.
    return (np.asarray(z) > 0).astype(int)
