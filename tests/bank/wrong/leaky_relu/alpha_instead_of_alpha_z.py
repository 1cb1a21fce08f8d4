# feedback: pas α (éq. 6)
import numpy as np


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha)
